import type { Diagnostic, SourceLoc } from '../diagnostics.js';
import { locate, type Path, type SourceFile } from './parse.js';

/** Collects every problem of a file so they can all be reported at once. */
export class Problems {
  readonly list: Diagnostic[] = [];
  constructor(readonly source: SourceFile) {}

  loc(path: Path, part: 'value' | 'key' = 'value'): SourceLoc {
    return locate(this.source, path, part);
  }

  at(path: Path, message: string, hint?: string, part: 'value' | 'key' = 'value'): void {
    this.list.push({ loc: this.loc(path, part), message, hint });
  }

  atLoc(loc: SourceLoc, message: string, hint?: string): void {
    this.list.push({ loc, message, hint });
  }

  get count(): number {
    return this.list.length;
  }
}
