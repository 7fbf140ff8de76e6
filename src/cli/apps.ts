import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { appIdFrom, desktopAppFrom, parseDesktopEntry } from '../apps/desktop-entry.js';
import { kubeRequest, loadKubeconfig } from '../cluster/index.js';

const HELP = `usage: kubedesk apps import FILE.desktop --image IMAGE [--name NAME] [--apply]

Turns a freedesktop .desktop entry into a DesktopApp: its Name, Icon and Categories, and its
Exec as an argument array (field codes such as %U left out; Terminal=true programs run in an
xterm). Prints the DesktopApp as YAML (for kubectl apply -f -), or creates it with --apply.
  --image IMAGE   the container image that has the program (required)
  --name NAME     the DesktopApp's name (default: from the file name)
  --apply         create it in the cluster (KUBECONFIG, ~/.kube/config or in-cluster)`;

export async function runApps(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'import') {
    console.error(
      verb === undefined || verb === '--help' || verb === '-h'
        ? HELP
        : `kubedesk apps: unknown verb "${verb}"\n\n${HELP}`,
    );
    return verb === '--help' || verb === '-h' ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      name: { type: 'string' },
      apply: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) {
    throw new Error('give exactly one .desktop file');
  }
  if (!values.image) {
    throw new Error('--image is required: the container image that has the program');
  }
  const entry = parseDesktopEntry(await readFile(file, 'utf8'), file);
  const app = desktopAppFrom(entry, { id: values.name ?? appIdFrom(file), image: values.image });
  if (!values.apply) {
    process.stdout.write(stringify(app));
    return 0;
  }
  const { config } = loadKubeconfig();
  await kubeRequest(config, { method: 'POST', path: '/apis/kubedesk.io/v1alpha1/desktopapps', body: app });
  console.error(`created DesktopApp ${(app.metadata as { name: string }).name}`);
  return 0;
}
