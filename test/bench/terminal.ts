/**
 * The cluster-aware terminal under load, on a local cluster of 24 simulated Pis with the node
 * agents' DaemonSet:
 *
 * - `cat` of a 64 MiB text file through the exec path (host → API server → node shell) into a
 *   real xterm.js in Chromium, counted by the bytes the page acknowledged from xterm's write
 *   callbacks; against `kubectl exec … cat` of the same file into /dev/null in the same run.
 * - The host's peak memory meanwhile: the host is a child process (`kubedesk serve
 *   --node-shell-direct`), its resident set sampled from /proc every 50 ms.
 * - Ctrl-C during such a flood: from the key event in the page to the prompt on the screen
 *   (target ≤ 300 ms).
 * - `kubedesk kps` over 4 and 24 nodes against a sequential `kubectl exec … ps` loop (target:
 *   at least 5× faster at 24 nodes).
 *
 * `npm run bench:terminal`. Starts its own cluster and stops it. Prints each figure, then one
 * line of JSON with the units in the names.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensureClusterBinaries, startCluster, stopCluster, type RunningCluster } from '../../src/localcluster/index.js';
import { loadKubeconfig } from '../../src/cluster/index.js';
import { gatherProcesses, PS_COMMAND } from '../../src/terminal/index.js';
import { AGENT_NAMESPACE, AGENT_SELECTOR, NODE_SHELL_CONTAINER } from '../../src/terminal/shell.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { findFreePortBase } from '../support/ports.js';
import { startServe, track, type ServeProcess } from '../support/processes.js';
import { screenText, typeLine } from '../support/terminal.js';

/** Away from the default cluster, the test runs and the other benchmarks. */
const PORT_BASE_RANGE = [39_000, 40_000] as const;
const ADDRESS_BLOCK = 241;
const NODES = 24;
const FEW_NODES = 4;
const HOST_NODE = 'pi-1';
const EXEC_NODE = 'pi-3';
const FLOOD_BYTES = 64 * 1024 * 1024;
/** Printable lines of this length, newline included: what a log file looks like. */
const FLOOD_LINE_BYTES = 80;
const FLOOD_TIMEOUT_MS = 10 * 60_000;
const MEMORY_SAMPLE_MS = 50;
const INTERRUPT_RUNS = 5;
/** Ctrl-C is pressed this long into a flood: xterm.js is busy and the flow control engaged. */
const INTERRUPT_AFTER_MS = 1_500;
const INTERRUPT_TARGET_MS = 300;
/** Far past the target: a prompt that has not come by then is not coming. */
const PROMPT_TIMEOUT_MS = 30_000;
const KPS_RUNS = 3;
const KPS_TARGET_SPEEDUP = 5;

const log = (line: string) => process.stderr.write(`${line}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a command to its end, its output thrown away (as into /dev/null); rejects on failure. */
function runQuietly(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    track(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr}`)),
    );
  });
}

/** Runs a command and resolves with its standard output. */
function runForOutput(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr}`)),
    );
  });
}

async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
}

/** The cluster's kube-apiserver, found by its port among this machine's processes. */
async function apiServerPid(port: number): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const [program, ...args] = commandLine.split('\0');
    if (program?.endsWith('kube-apiserver') && args.includes(`--secure-port=${port}`)) {
      return Number(entry);
    }
  }
  throw new Error(`no kube-apiserver on port ${port}`);
}

/** 64 MiB of numbered printable lines. */
function floodText(): Buffer {
  const lines = FLOOD_BYTES / FLOOD_LINE_BYTES;
  const body = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+'.slice(0, FLOOD_LINE_BYTES - 16);
  const buffer = Buffer.alloc(FLOOD_BYTES, 0x2e);
  for (let line = 0; line < Math.floor(lines); line++) {
    buffer.write(`line ${String(line).padStart(9, '0')} ${body}\n`, line * FLOOD_LINE_BYTES, 'latin1');
  }
  buffer[FLOOD_BYTES - 1] = 0x0a;
  return buffer;
}

/**
 * Installed before the page's own scripts: sums the bytes the page acknowledges (the RPC calls
 * `terminal.acknowledge` it sends over its WebSocket), notes the time of every Ctrl-C key event,
 * and can wait, frame by frame, for the shell's prompt to be the last line on the screen.
 */
function instrumentPage(promptPattern: string): void {
  const probe = window as unknown as {
    acknowledgedBytes: number;
    interruptedAt: number;
    promptAfterInterrupt(): Promise<number>;
  };
  probe.acknowledgedBytes = 0;
  probe.interruptedAt = 0;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function sendCounted(this: WebSocket, data) {
    if (typeof data === 'string' && data.includes('"acknowledge"')) {
      const message = JSON.parse(data) as { method?: string; args?: unknown[] };
      if (message.method === 'acknowledge' && typeof message.args?.[1] === 'number') {
        probe.acknowledgedBytes += message.args[1];
      }
    }
    send.call(this, data);
  };
  document.addEventListener(
    'keydown',
    (event) => {
      // Playwright's "Control+C" sends key "C"; a person's Ctrl-C sends "c".
      if (event.ctrlKey && event.key.toLowerCase() === 'c') {
        probe.interruptedAt = performance.now();
      }
    },
    true,
  );
  const prompt = new RegExp(promptPattern);
  probe.promptAfterInterrupt = () =>
    new Promise((resolve) => {
      function check(): void {
        const rows = Array.from(
          document.querySelectorAll('.terminal-view:not([hidden]) .xterm-rows > div'),
          (row) => row.textContent?.trimEnd() ?? '',
        ).filter((row) => row !== '');
        if (probe.interruptedAt > 0 && prompt.test(rows.at(-1) ?? '')) {
          resolve(performance.now() - probe.interruptedAt);
        } else {
          requestAnimationFrame(check);
        }
      }
      check();
    });
}

const acknowledged = (page: Page) =>
  page.evaluate(() => (window as unknown as { acknowledgedBytes: number }).acknowledgedBytes);

/** cat of the whole file into the page; resolves with the seconds, the bytes and the peak RSS. */
async function floodThroughPage(page: Page, file: string, hostPid: number, apiServer: number) {
  let peakKiB = await residentKiB(hostPid);
  let apiServerPeakKiB = await residentKiB(apiServer);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakKiB = Math.max(peakKiB, await residentKiB(hostPid));
      apiServerPeakKiB = Math.max(apiServerPeakKiB, await residentKiB(apiServer));
      await new Promise((resolve) => setTimeout(resolve, MEMORY_SAMPLE_MS));
    }
  })();
  const before = await acknowledged(page);
  const start = performance.now();
  // $((6*7)): the marker is on the screen as 42 only once the shell has run it, after all of cat.
  await typeLine(page, `clear; cat ${file}; echo flood-end-$((6*7))`);
  await until(
    'the end of the flood on the screen',
    async () => /^flood-end-42\s*$/m.test(await screenText(page)),
    FLOOD_TIMEOUT_MS,
  );
  const seconds = (performance.now() - start) / 1000;
  sampling = false;
  await sampler;
  return { seconds, bytes: (await acknowledged(page)) - before, peakKiB, apiServerPeakKiB };
}

/** Ctrl-C one and a half seconds into a flood; the time from the key to the prompt. */
async function interruptFlood(page: Page, file: string): Promise<number> {
  await typeLine(page, `clear; cat ${file}`);
  await new Promise((resolve) => setTimeout(resolve, INTERRUPT_AFTER_MS));
  await page.evaluate(() => ((window as unknown as { interruptedAt: number }).interruptedAt = 0));
  const prompt = page.evaluate(() =>
    (window as unknown as { promptAfterInterrupt(): Promise<number> }).promptAfterInterrupt(),
  );
  await page.keyboard.press('Control+C');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void screenText(page).then((screen) =>
        reject(
          new Error(
            `no prompt ${PROMPT_TIMEOUT_MS} ms after Ctrl-C; the screen:\n${screen.trimEnd().split('\n').slice(-5).join('\n')}`,
          ),
        ),
      );
    }, PROMPT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([prompt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const binaries = await ensureClusterBinaries({ onProgress: log });
  const directory = await mkdtemp(join(tmpdir(), 'kubedesk-bench-terminal-'));
  let cluster: RunningCluster | undefined;
  let serve: ServeProcess | undefined;
  let chromium: LaunchedBrowser | undefined;
  try {
    cluster = await startCluster({
      binaries,
      directory,
      nodes: NODES,
      portBase: await findFreePortBase(...PORT_BASE_RANGE),
      addressBlock: ADDRESS_BLOCK,
      stopWithPid: process.pid,
    });
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
    const kubectl = (...args: string[]) => runForOutput(cluster!.kubectl, args, env);
    await kubectl('apply', '-f', join('deploy', 'agent.yaml'));
    await kubectl('rollout', 'status', 'daemonset/kubedesk-agent', '-n', AGENT_NAMESPACE, '--timeout=120s');
    const pods = new Map(
      (
        await kubectl(
          'get',
          'pods',
          '-n',
          AGENT_NAMESPACE,
          '-l',
          AGENT_SELECTOR,
          '-o',
          'jsonpath={range .items[*]}{.spec.nodeName} {.metadata.name}{"\\n"}{end}',
        )
      )
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    // Running is not yet execable: the pod runner gives each pod its KWOK Exec object a moment later.
    await Promise.all(
      [...pods.values()].map((pod) =>
        until(
          `an exec into ${pod}`,
          () =>
            kubectl('exec', '-n', AGENT_NAMESPACE, pod, '-c', NODE_SHELL_CONTAINER, '--', 'true').then(
              () => true,
              () => false,
            ),
          60_000,
        ),
      ),
    );
    log(`${pods.size} node agents running`);

    const file = join(directory, 'nodes', EXEC_NODE, 'flood.txt');
    await writeFile(file, floodText());

    // kubectl exec … cat into /dev/null: the exec path with nothing drawing the bytes.
    const kubectlStart = performance.now();
    await runQuietly(
      cluster.kubectl,
      ['exec', '-n', AGENT_NAMESPACE, pods.get(EXEC_NODE)!, '-c', NODE_SHELL_CONTAINER, '--', 'cat', file],
      env,
    );
    const kubectlSeconds = (performance.now() - kubectlStart) / 1000;
    const kubectlMiBPerSecond = FLOOD_BYTES / 1024 / 1024 / kubectlSeconds;
    log(
      `kubectl exec cat > /dev/null: 64 MiB in ${kubectlSeconds.toFixed(2)} s, ${kubectlMiBPerSecond.toFixed(1)} MiB/s`,
    );

    serve = await startServe({
      args: ['--node-shell-direct', '--display', 'none'],
      env: { KUBECONFIG: cluster.kubeconfig, KUBEDESK_NODE_NAME: HOST_NODE },
    });
    const hostPid = serve.child.pid!;
    chromium = await launchChromium();
    const page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(instrumentPage, `@${EXEC_NODE}:.*[$#]$`);
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: `Open a terminal on ${HOST_NODE}` }).click();
    await until('the prompt on pi-1', async () => /@pi-1:/.test(await screenText(page)), 30_000);
    await page.getByLabel('node').selectOption(EXEC_NODE);
    await until(
      `the prompt on ${EXEC_NODE}`,
      async () => new RegExp(`@${EXEC_NODE}:`).test(await screenText(page)),
      30_000,
    );
    const idleKiB = await residentKiB(hostPid);
    const apiServer = await apiServerPid(cluster.portBase);
    const apiServerIdleKiB = await residentKiB(apiServer);

    const flood = await floodThroughPage(page, file, hostPid, apiServer);
    const pageMiBPerSecond = flood.bytes / 1024 / 1024 / flood.seconds;
    log(
      `cat through the exec path into xterm.js: ${(flood.bytes / 1024 / 1024).toFixed(1)} MiB acknowledged in ${flood.seconds.toFixed(2)} s, ${pageMiBPerSecond.toFixed(1)} MiB/s (${((100 * pageMiBPerSecond) / kubectlMiBPerSecond).toFixed(0)} % of kubectl into /dev/null)`,
    );
    log(
      `host (kubedesk serve) resident memory: ${(idleKiB / 1024).toFixed(0)} MiB before, peak ${(flood.peakKiB / 1024).toFixed(0)} MiB during the flood`,
    );
    log(
      `kube-apiserver resident memory: ${(apiServerIdleKiB / 1024).toFixed(0)} MiB before, peak ${(flood.apiServerPeakKiB / 1024).toFixed(0)} MiB during the flood`,
    );

    const interrupts: number[] = [];
    for (let run = 0; run < INTERRUPT_RUNS; run++) {
      interrupts.push(await interruptFlood(page, file));
      log(`Ctrl-C to prompt during a flood ${run + 1}: ${interrupts.at(-1)!.toFixed(0)} ms`);
    }

    const kubedesk = join('bin', 'kubedesk.js');
    const kpsOver = async (nodes: string[] | null): Promise<number> => {
      const start = performance.now();
      const output = await runForOutput(
        process.execPath,
        [
          kubedesk,
          'kps',
          '--no-enter',
          '--json',
          '--kubeconfig',
          cluster!.kubeconfig,
          ...(nodes ?? []).flatMap((node) => ['--node', node]),
        ],
        env,
      );
      const elapsed = performance.now() - start;
      const answered = new Set(
        (JSON.parse(output) as { processes: { node: string }[] }).processes.map((row) => row.node),
      );
      if (answered.size !== (nodes?.length ?? NODES)) {
        throw new Error(`kps answered for ${answered.size} nodes`);
      }
      return elapsed;
    };
    // By hand: find the agents, then one kubectl exec ps per node, one after another.
    const loopOver = async (nodes: string[]): Promise<number> => {
      const start = performance.now();
      const listed = await kubectl('get', 'pods', '-n', AGENT_NAMESPACE, '-l', AGENT_SELECTOR, '-o', 'wide');
      for (const node of nodes) {
        if (!listed.includes(node)) {
          throw new Error(`no agent on ${node}`);
        }
        await kubectl('exec', '-n', AGENT_NAMESPACE, pods.get(node)!, '-c', NODE_SHELL_CONTAINER, '--', ...PS_COMMAND);
      }
      return performance.now() - start;
    };
    // What the Processes view costs: the same gathering inside a running host, no process start-up.
    const config = loadKubeconfig({ path: cluster.kubeconfig }).config;
    const viewOver = async (nodes: string[]): Promise<number> => {
      const start = performance.now();
      const list = await gatherProcesses(config, { nodes }, { enterHost: [] });
      if (list.failures.length > 0) {
        throw new Error(`kps failed on ${list.failures.map((failure) => failure.node).join(', ')}`);
      }
      return performance.now() - start;
    };
    const few = Array.from({ length: FEW_NODES }, (_, index) => `pi-${index + 1}`);
    const all = Array.from({ length: NODES }, (_, index) => `pi-${index + 1}`);
    const kps: Record<'few' | 'all' | 'loopFew' | 'loopAll' | 'viewFew' | 'viewAll', number[]> = {
      few: [],
      all: [],
      loopFew: [],
      loopAll: [],
      viewFew: [],
      viewAll: [],
    };
    for (let run = 0; run < KPS_RUNS; run++) {
      kps.few.push(await kpsOver(few));
      kps.all.push(await kpsOver(null));
      kps.loopFew.push(await loopOver(few));
      kps.loopAll.push(await loopOver(all));
      kps.viewFew.push(await viewOver(few));
      kps.viewAll.push(await viewOver(all));
      log(
        `kps run ${run + 1}: ${FEW_NODES} nodes ${kps.few.at(-1)!.toFixed(0)} ms (loop ${kps.loopFew.at(-1)!.toFixed(0)} ms), ${NODES} nodes ${kps.all.at(-1)!.toFixed(0)} ms (loop ${kps.loopAll.at(-1)!.toFixed(0)} ms); in a running host ${kps.viewFew.at(-1)!.toFixed(0)} and ${kps.viewAll.at(-1)!.toFixed(0)} ms`,
      );
    }

    const result = {
      flood_file_MiB: FLOOD_BYTES / 1024 / 1024,
      xterm_acknowledged_MiB: Number((flood.bytes / 1024 / 1024).toFixed(1)),
      xterm_seconds: Number(flood.seconds.toFixed(2)),
      xterm_MiB_per_s: Number(pageMiBPerSecond.toFixed(1)),
      kubectl_exec_devnull_seconds: Number(kubectlSeconds.toFixed(2)),
      kubectl_exec_devnull_MiB_per_s: Number(kubectlMiBPerSecond.toFixed(1)),
      host_rss_before_MiB: Math.round(idleKiB / 1024),
      host_rss_peak_during_flood_MiB: Math.round(flood.peakKiB / 1024),
      apiserver_rss_before_MiB: Math.round(apiServerIdleKiB / 1024),
      apiserver_rss_peak_during_flood_MiB: Math.round(flood.apiServerPeakKiB / 1024),
      interrupt_to_prompt_p50_ms: Math.round(median(interrupts)),
      interrupt_to_prompt_max_ms: Math.round(Math.max(...interrupts)),
      interrupt_target_ms: INTERRUPT_TARGET_MS,
      kps_4_nodes_p50_ms: Math.round(median(kps.few)),
      kubectl_loop_4_nodes_p50_ms: Math.round(median(kps.loopFew)),
      kps_24_nodes_p50_ms: Math.round(median(kps.all)),
      kubectl_loop_24_nodes_p50_ms: Math.round(median(kps.loopAll)),
      kps_24_nodes_speedup_ratio: Number((median(kps.loopAll) / median(kps.all)).toFixed(1)),
      kps_in_host_4_nodes_p50_ms: Math.round(median(kps.viewFew)),
      kps_in_host_24_nodes_p50_ms: Math.round(median(kps.viewAll)),
      kps_in_host_24_nodes_speedup_ratio: Number((median(kps.loopAll) / median(kps.viewAll)).toFixed(1)),
      kps_target_speedup_ratio: KPS_TARGET_SPEEDUP,
    };
    log(
      `\nxterm.js ${result.xterm_MiB_per_s} MiB/s vs kubectl into /dev/null ${result.kubectl_exec_devnull_MiB_per_s} MiB/s; host peak ${result.host_rss_peak_during_flood_MiB} MiB; Ctrl-C to prompt ${result.interrupt_to_prompt_p50_ms} ms median, ${result.interrupt_to_prompt_max_ms} ms worst (target ${INTERRUPT_TARGET_MS}); kps at 24 nodes ${result.kps_24_nodes_speedup_ratio}× faster than the loop, ${result.kps_in_host_24_nodes_speedup_ratio}× in a running host (target ${KPS_TARGET_SPEEDUP})`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await chromium?.close();
    await serve?.stop();
    if (cluster) {
      await stopCluster(directory, { binaries }).catch(() => undefined);
    }
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
