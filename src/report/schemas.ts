/**
 * The shape of every JSON output, as zod schemas: one source for the JSON
 * Schemas in schema/ (what users and their tools read), and for the tests,
 * which validate real outputs against them. Every output has a `version`
 * (its shape's version) and snake_case keys; numbers carry their unit in the
 * key.
 */
import { z } from 'zod';

const version = z.literal(1).describe('Version of this output\'s shape; bumped when a field changes meaning or goes away.');
const loc = z.string().describe('`file:line:col` in the topology.');

const Diagnostic = z.object({
  loc: z.object({ file: z.string(), line: z.number().int(), col: z.number().int(), length: z.number().int().optional() }),
  message: z.string(),
  hint: z.string().optional(),
  severity: z.enum(['error', 'warning']).optional().describe('Absent means error.'),
});

const Measurement = z.object({ name: z.string(), value: z.string(), expected: z.string().optional(), ok: z.boolean().optional() });

const Result = z.object({
  name: z.string(),
  kind: z.string().describe('A check kind (`ping`, `reach`…), or a phase: `topology`, `options`, `preflight`, `deploy`, `teardown`, `internal`.'),
  status: z.enum(['pass', 'fail', 'error', 'skip']),
  expect: z.enum(['pass', 'fail']),
  message: z.string(),
  skip_reason: z.string().optional(),
  metrics: z.record(z.string(), z.number()).describe('The figures as numbers, the unit in the key: `rtt_avg_ms`, `loss_pct`, `throughput_bps`, `path_mtu_bytes`…'),
  measurements: z.array(Measurement).describe('What was measured and the bound it was held to, as people read it.'),
  failed_pairs: z.array(z.string()).optional(),
  attachments: z.array(z.string()).optional().describe('Files the check kept (a capture).'),
  commands: z.array(z.string()),
  stdout: z.string(),
  stderr: z.string(),
  started_at: z.string(),
  duration_ms: z.number(),
  loc: loc.optional(),
});

const Summary = z.object({ tests: z.number().int(), passed: z.number().int(), failures: z.number().int(), errors: z.number().int(), skipped: z.number().int() });

const Scenario = Result.extend({
  summary: Summary,
  steps: z.array(Result),
  timeline: z.array(z.object({ at_ms: z.number(), step: z.string(), event: z.enum(['start', 'end', 'restore']), status: z.enum(['pass', 'fail', 'error', 'skip']).optional() })).describe('When each step ran, on the scenario\'s clock.'),
});

const PlanOutput = z
  .object({
    version,
    kind: z.enum(['create', 'teardown']),
    lab: z.string(),
    file: z.string().optional(),
    steps: z.array(
      z.object({
        id: z.string(), ns: z.string().nullable(), argv: z.array(z.string()), deps: z.array(z.string()), why: z.string(), source: loc.optional(), ifAbsent: z.literal('ok').optional(),
        command: z.object({ cwd: z.string(), env: z.record(z.string(), z.string()), input: z.string().optional(), timeout_ms: z.number() }).optional().describe('A user\'s command (setup, nft): run alone, in `cwd`, with `env` added and `input` on stdin.'),
      }),
    ),
    services: z.array(z.object({ id: z.string(), ns: z.string(), command: z.string(), ready: z.string(), source: loc })).optional().describe('Services `up` starts once every step has run.'),
  })
  .describe('`nslab plan --format json`.');

const HostOutcomeJson = z.object({ name: z.string(), ok: z.boolean(), unreachable: z.boolean().optional().describe('ssh could not reach or log in to it.'), duration_ms: z.number(), detail: z.string() });

export const OutputSchemas = {
  report: z
    .object({
      version,
      ok: z.boolean().describe('Every result passed (or was skipped because of something that is itself an error).'),
      summary: Summary,
      suites: z.array(
        z.object({
          lab: z.string(),
          file: z.string().optional(),
          ok: z.boolean(),
          started_at: z.string(),
          duration_ms: z.number(),
          hostname: z.string(),
          properties: z.record(z.string(), z.string()),
          summary: Summary,
          results: z.array(Result),
          scenarios: z.array(Scenario).optional().describe('Each scenario: its steps (watches with their outage and loss) and its timeline.'),
        }),
      ),
    })
    .describe('`nslab run` / `nslab test --json FILE`: one suite per lab.'),
  validate: z
    .object({ version, ok: z.boolean(), files: z.array(z.object({ file: z.string(), ok: z.boolean(), summary: z.string().optional(), diagnostics: z.array(Diagnostic), warnings: z.array(Diagnostic) })) })
    .describe('`nslab validate --json`.'),
  plan: PlanOutput,
  placement: z
    .object({
      version,
      hosts: z.array(
        z.object({
          name: z.string(), ssh: z.string(), underlay: z.string(), weight: z.number(),
          capacity: z.number().int().describe('The most nodes it may take: its weight\'s share, rounded up (more if pins demand).'),
          nodes: z.array(z.string()),
          plan: PlanOutput.describe('What this host builds, as `nslab plan --format json` shows a plan.'),
        }),
      ),
      cost: z.object({ tunnels: z.number().int(), cut_links: z.number().int(), spanned_bridges: z.number().int(), segment_tunnels: z.number().int() }).describe('Tunnels between hosts: one per cut node–node link, k−1 per bridge with copies on k hosts.'),
      tunnels: z.array(z.object({ vni: z.number().int(), port: z.number().int(), kind: z.enum(['link', 'segment']), what: z.string(), hosts: z.array(z.string()) })),
    })
    .describe('`nslab plan FILE --hosts HOSTS --format json`.'),
  multihost: z
    .object({
      version, lab: z.string(), action: z.enum(['up', 'down', 'status']), ok: z.boolean(),
      phase: z.enum(['preflight', 'deploy', 'done']).describe('Where it stopped: a failed preflight built nothing; a failed deploy was rolled back on every host.'),
      duration_ms: z.number(),
      hosts: z.array(HostOutcomeJson),
      tunnels: z.number().int().describe('VNIs between hosts (up): one per cut link, one per bridge spread over hosts.'),
      rolled_back: z.array(HostOutcomeJson).optional().describe('After a failed deploy: the sweep of every host.'),
    })
    .describe('`nslab up FILE --hosts HOSTS --json`, `nslab down|status LAB --hosts HOSTS --json` (status: each host\'s line says what of the lab is there).'),
  up: z
    .object({
      version, lab: z.string(), ok: z.boolean(), already_up: z.boolean(), duration_ms: z.number(), steps: z.number().int(), processes: z.number().int(), in_process: z.number().int(),
      namespaces: z.number().int(), links: z.number().int(), ready: z.boolean().optional(), ready_ms: z.number().optional(),
      timings_ms: z.record(z.string(), z.number()).optional().describe('With --timings: milliseconds per phase, in the order they ran (load, plan, preflight, lock_and_host_check, files, kernel_objects, services, state).'),
    })
    .describe('`nslab up --json`.'),
  down: z
    .object({
      version, lab: z.string(), ok: z.boolean(), was_running: z.boolean(), source: z.enum(['state', 'kernel']), duration_ms: z.number(),
      namespaces: z.number().int(), host_links: z.number().int(), nat_rules: z.number().int(), processes_stopped: z.number().int(), damaged_state: z.string().optional(),
      timings_ms: z.record(z.string(), z.number()).optional().describe('With --timings: milliseconds per phase, in the order they ran (lock, state, processes, files, kernel_objects, state_removed).'),
    })
    .describe('`nslab down --json`.'),
  status: z
    .object({
      version,
      lab: z.string().optional(),
      labs: z.array(
        z.object({
          lab: z.string(), file: z.string().optional(), edited: z.boolean().optional().describe('Changed by `connect`/`disconnect` since it was built (or applied) from the file.'), phase: z.enum(['creating', 'up']), since: z.string(), health: z.enum(['up', 'degraded', 'gone']),
          namespaces: z.object({ expected: z.number().int(), present: z.number().int(), missing: z.array(z.string()) }),
          nodes: z.array(z.object({ name: z.string(), kind: z.enum(['netns', 'bridge']), ns: z.string(), addresses: z.array(z.string()), present: z.boolean() })),
          services: z.array(z.object({ id: z.string(), pid: z.number(), running: z.boolean(), ended: z.string().optional().describe('How it ended: `exit 1`, `signal KILL`…'), stopped: z.boolean().optional().describe('Stopped on purpose.'), log: z.string() })),
        }),
      ),
      stateless: z.array(z.object({ lab: z.string(), namespaces: z.array(z.string()), damaged: z.string().optional() })).describe('Labs found from the kernel\'s tags without a usable state file.'),
      damaged: z.array(z.object({ lab: z.string(), path: z.string(), reason: z.string() })),
      kernel_searched: z.boolean().describe('Whether labs without state were looked for (needs root).'),
    })
    .describe('`nslab status --json`.'),
  verify: z.object({ version, lab: z.string(), file: z.string(), ok: z.boolean(), problems: z.array(z.string()) }).describe('`nslab status LAB --verify --json`.'),
  doctor: z
    .object({
      version,
      ready: z.boolean(),
      installed: z.array(z.string()).optional().describe('With --fix: the packages apt-get was asked to install.'),
      findings: z.array(z.object({ name: z.string(), group: z.enum(['host', 'tool', 'kernel']), ok: z.boolean(), detail: z.string(), fix: z.string().optional(), required: z.boolean(), used_for: z.string() })),
    })
    .describe('`nslab doctor --json`.'),
  impair: z
    .object({
      version,
      lab: z.string(),
      node: z.string().optional(),
      ifname: z.string().optional(),
      impairment: z.unknown().optional().describe('After a change: what the kernel holds now (netem and tbf, units in the keys), or null.'),
      impairments: z.array(z.object({ node: z.string(), ifname: z.string(), impairment: z.unknown() })).optional().describe('With --show.'),
    })
    .describe('`nslab impair --json`.'),
  link: z
    .object({ version, lab: z.string(), interface: z.string(), action: z.enum(['down', 'up']), state: z.string().describe('The interface\'s state read back: UP, DOWN, LOWERLAYERDOWN…'), commands: z.array(z.string()) })
    .describe('`nslab link --json`.'),
  change: z
    .object({
      version,
      lab: z.string(),
      file: z.string(),
      ok: z.boolean().optional().describe('apply/connect/disconnect: the change was made (a failed one exits 3 after rolling back).'),
      applied: z.boolean().describe('false for `plan --against`: what would be done.'),
      duration_ms: z.number().optional(),
      changes: z.array(z.object({ op: z.enum(['add', 'remove', 'change']), what: z.string(), detail: z.string().optional(), source: loc.describe('Where in the new topology; for a removal, where it was in the old one.') })),
      notes: z.array(z.string()).describe('What was left as it is, and why.'),
      steps: z.object(Object.fromEntries(['remove', 'edit', 'create'].map((k) => [k, z.array(z.object({ id: z.string(), ns: z.string().nullable(), argv: z.array(z.string()), why: z.string(), source: loc.optional() }))]))).describe('The commands, in three phases run in this order.'),
      services: z.object({ stop: z.array(z.string()), start: z.array(z.string()) }),
    })
    .describe('`nslab plan FILE --against LAB --format json`, `nslab apply --json`, `nslab connect|disconnect --json`.'),
} as const;

export type OutputName = keyof typeof OutputSchemas;
export const OUTPUT_NAMES = Object.keys(OutputSchemas) as OutputName[];

export function outputJsonSchema(name: OutputName): object {
  return { ...z.toJSONSchema(OutputSchemas[name], { target: 'draft-7' }), $id: `https://nslab.dev/schema/${name}-v1.json`, title: `nslab ${name} output` };
}
