import vm from 'node:vm';
import ts from 'typescript';

/**
 * Compiles a TS/JS module to CommonJS with the real TypeScript compiler and evaluates it in a fresh
 * `node:vm` context: the stubbed code really runs, no mocks. Returns the module's exports.
 */
export function runModule(code: string, file = 'mod.ts'): Record<string, any> {
  const { outputText, diagnostics } = ts.transpileModule(code, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true },
  });
  if (diagnostics?.length) {
    throw new Error(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'));
  }
  const module = { exports: {} as Record<string, any> };
  const context = vm.createContext({ module, exports: module.exports });
  new vm.Script(outputText, { filename: file }).runInContext(context);
  return module.exports;
}

/** Runs a probe: `ok:<json>` for a value, `err:<message>` for a throw or rejection. */
export async function probe(fn: () => unknown): Promise<string> {
  try {
    const value = await fn();
    return `ok:${JSON.stringify(value)}`;
  } catch (error) {
    return `err:${(error as Error).message}`;
  }
}
