/**
 * The shell integration Kubedesk installs into every shell it opens, on any node: an rc file
 * for bash that reports the working directory (OSC 7) and each command typed (OSC 6973, ours)
 * at every prompt, and a POSIX sh bootstrap that writes the rc file and the tab's history into
 * a private temporary folder on the node, then starts bash (or tmux around it) there.
 *
 * Everything travels as arguments of one exec (no files are copied to nodes beforehand), so it
 * works on a node that has never seen Kubedesk beyond its agent.
 */

/** Our private OSC number: `ESC ] 6973 ; command ; <base64> BEL` carries one history entry. */
export const OSC_COMMAND = 6973;

/** bash's history is fed through the exec's arguments; the API server's URL limit bounds it. */
export const HISTORY_ARGUMENT_MAX_BYTES = 48 * 1024;

export const RC_SCRIPT = String.raw`# Kubedesk shell integration (written by Kubedesk; removed when the shell ends).
trap 'rm -rf -- "$KUBEDESK_SHELL_STATE"' EXIT
[ -f ~/.bashrc ] && . ~/.bashrc
# The node's name in the prompt: on a Pi it is the host name; a tab may move between nodes.
[ -n "$KUBEDESK_NODE" ] && PS1='\u@'"$KUBEDESK_NODE"':\w\$ '
HISTSIZE=5000
HISTFILESIZE=5000
shopt -s histappend
__kubedesk_osc() {
  # Inside tmux the sequence must be passed through to the outer terminal.
  if [ -n "$TMUX" ]; then printf '\033Ptmux;\033\033]%s\007\033\\' "$1"; else printf '\033]%s\007' "$1"; fi
}
__kubedesk_prompt() {
  local status=$? entry
  entry=$(HISTTIMEFORMAT= builtin history 1)
  if [ "$entry" != "$__kubedesk_last" ]; then
    # The first prompt shows the last entry of the fed history, not a new command.
    if [ -n "$__kubedesk_started" ] && [[ $entry =~ ^\ *[0-9]+\*?\ +(.*)$ ]]; then
      __kubedesk_osc "6973;command;$(printf '%s' "${'$'}{BASH_REMATCH[1]}" | base64 | tr -d '\n')"
    fi
    __kubedesk_last=$entry
  fi
  __kubedesk_started=1
  __kubedesk_osc "7;file://$KUBEDESK_NODE$PWD"
  return $status
}
PROMPT_COMMAND="__kubedesk_prompt${'$'}{PROMPT_COMMAND:+;$PROMPT_COMMAND}"
[ -n "$TMUX" ] && tmux set -g allow-passthrough on 2>/dev/null
`;

/**
 * Arguments: $1 directory, $2 node, $3 history (base64, one command per line), $4 rc script,
 * $5 tmux session name ("" for a plain shell).
 */
export const BOOTSTRAP_SCRIPT = `umask 077
state=$(mktemp -d "\${TMPDIR:-/tmp}/kubedesk-shell.XXXXXX") || exit 1
printf '%s' "$3" | base64 -d > "$state/history" 2>/dev/null
printf '%s\\n' "$4" > "$state/rc"
export KUBEDESK_NODE="$2" HISTFILE="$state/history" KUBEDESK_SHELL_STATE="$state"
export TERM="\${TERM:-xterm-256color}"
cd -- "$1" 2>/dev/null || cd
if [ -n "$5" ] && command -v tmux >/dev/null 2>&1; then
  exec tmux new-session -A -s "$5" -e "KUBEDESK_NODE=$2" -e "HISTFILE=$state/history" -e "KUBEDESK_SHELL_STATE=$state" bash --rcfile "$state/rc" -i
fi
exec bash --rcfile "$state/rc" -i
`;

/** The newest commands that fit the argument budget, oldest first, as bash's history file. */
export function historyArgument(history: readonly string[]): string {
  const kept: string[] = [];
  let size = 0;
  for (let index = history.length - 1; index >= 0; index--) {
    const line = history[index]!.replace(/\n/g, ' ');
    // base64 grows by a third.
    size += Math.ceil(((Buffer.byteLength(line) + 1) * 4) / 3);
    if (size > HISTORY_ARGUMENT_MAX_BYTES) {
      break;
    }
    kept.push(line);
  }
  return Buffer.from(kept.reverse().join('\n') + (kept.length ? '\n' : ''), 'utf8').toString('base64');
}

/** The command that starts a shell with the integration: `sh -c BOOTSTRAP kubedesk-shell …`. */
export function shellCommand(options: {
  directory: string | null;
  node: string;
  history: readonly string[];
  tmuxSession: string | null;
}): string[] {
  return [
    'sh',
    '-c',
    BOOTSTRAP_SCRIPT,
    'kubedesk-shell',
    options.directory ?? '',
    options.node,
    historyArgument(options.history),
    RC_SCRIPT,
    options.tmuxSession ?? '',
  ];
}
