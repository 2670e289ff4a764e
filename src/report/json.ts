import { formatLoc } from '../diagnostics.js';
import { allResults, counts, suiteOk, type SuiteReport } from './suite.js';

/** The run for machines: every result with its measurements, and the totals. */
export function toJson(r: SuiteReport): string {
  return JSON.stringify(
    {
      version: 1,
      lab: r.lab,
      file: r.file,
      ok: suiteOk(r),
      startedAt: r.startedAt,
      ms: Math.round(r.ms),
      properties: r.properties,
      summary: counts(r),
      results: allResults(r).map((c) => ({ ...c, ms: Math.round(c.ms), loc: c.loc ? formatLoc(c.loc) : undefined })),
    },
    null,
    2,
  ) + '\n';
}
