import { readFileSync } from 'node:fs';
import { compileFunction } from 'node:vm';
import ts from 'typescript';

const PRELOAD = new URL('../../preload/preload.cts', import.meta.url);

/**
 * Runs the preload as Electron runs a sandboxed one: compiled to CommonJS with the preload's own
 * module setting, given a `require` that knows `electron` (the stand-in passed in) and nothing of
 * ours. Vite does not transform `.cts`, and this is closer to the real thing anyway.
 *
 * Returns every module id the preload asked `require` for.
 */
export function runPreload(electron: unknown): string[] {
  const { outputText } = ts.transpileModule(readFileSync(PRELOAD, 'utf8'), {
    fileName: 'preload.cts',
    compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  const required: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id !== 'electron') {
      throw new Error(`module not found: ${id} (a sandboxed preload may require only electron)`);
    }
    return electron;
  };
  const module = { exports: {} };
  compileFunction(outputText, ['require', 'module', 'exports'])(sandboxRequire, module, module.exports);
  return required;
}

/** What the page sees as `window.kubedesk`, typed loosely so tests can misuse it. */
export interface PageBridge {
  send(frame: unknown): void;
  onMessage(listener: (...args: unknown[]) => void): () => void;
}
