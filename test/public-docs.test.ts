/** Every public export of every entry point has hover documentation (a JSDoc comment), checked with the compiler. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = ['src/index.ts', 'src/sweep/index.ts', 'src/report/index.ts'].map((e) => path.join(root, e));

describe('public API documentation', () => {
  it('documents every export of spikegrad, spikegrad/sweep and spikegrad/report', () => {
    const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const missing: string[] = [];
    let total = 0;
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      for (const symbol of checker.getExportsOfModule(module)) {
        total++;
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        if (ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '') missing.push(`${path.relative(root, entry)}: ${symbol.name}`);
      }
    }
    expect(total).toBeGreaterThan(150);
    expect(missing).toEqual([]);
  });
});
