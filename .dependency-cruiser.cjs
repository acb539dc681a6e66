/** Layering from docs/architecture.md: imports go down the layers, never up. */
const folder = (name) => `^src/${name}/`;
const forbid = (from, to, comment) => ({
  name: `${from}-not-to-${to.replace(/[^a-z]/g, '')}`,
  comment,
  severity: 'error',
  from: { path: folder(from) },
  to: { path: to },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-leaf',
      comment: 'domain/ imports only zod',
      severity: 'error',
      from: { path: folder('domain') },
      to: { pathNot: ['^src/domain/', 'zod'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'analysis-is-pure',
      comment: 'analysis/ is pure: no I/O modules, no SDKs, no config',
      severity: 'error',
      from: { path: folder('analysis') },
      to: {
        pathNot: ['^src/domain/', '^src/analysis/', 'zod'],
      },
    },
    {
      name: 'parsers-are-the-bottom-of-analysis',
      comment: 'analysis/parsers/ turn one spec into data: facts/ and rules/ build on them, never the other way round',
      severity: 'error',
      from: { path: '^src/analysis/parsers/' },
      to: { pathNot: ['^src/domain/', '^src/analysis/parsers/', 'zod'] },
    },
    {
      name: 'forecast-is-pure',
      comment:
        'forecast/ is pure like analysis/: domain/, zod, analysis/ through its index (capacity facts), and node:zlib to compress its PNG charts',
      severity: 'error',
      from: { path: folder('forecast') },
      to: {
        pathNot: ['^src/domain/', '^src/forecast/', '^src/analysis/index\\.ts$', 'zod', '^(node:)?zlib$'],
      },
    },
    {
      name: 'redaction-is-pure',
      comment: 'redaction/ is pure and stands alone: everything that leaves a process can use it; it leans only on domain/, the pure leaf (text primitives)',
      severity: 'error',
      from: { path: folder('redaction') },
      to: { pathNot: ['^src/redaction/', '^src/domain/'] },
    },
    {
      name: 'shared-is-a-leaf',
      comment: 'shared/ holds primitives every layer uses (the limiter, the Redis script runner): it imports no other src/ folder',
      severity: 'error',
      from: { path: folder('shared') },
      to: { path: '^src/(?!shared/)' },
    },
    forbid('config', '^src/(?!domain|config)', 'config/ imports only domain/'),
    forbid('inventory', '^src/(slack|queue|ssh|alerts|remediation|diagnosis|app|cli)/', 'inventory/ reads the inventory; it serves everyone above it'),
    forbid('playbooks', '^src/(slack|queue|ssh|app|cli)/', 'playbooks/ stays below adapters'),
    forbid('ssh', '^src/(slack|queue|analysis|app|cli|alerts|remediation)/', 'ssh/ is a transport'),
    forbid('remediation', '^src/(slack|alerts|queue|app|cli|ssh)/', 'remediation/ reaches SSH only via the CommandRunner port; the queue runs it, not the other way round'),
    forbid('queue', '^src/(slack|app|cli)/', 'queue/ sends results out through the Notifier port'),
    forbid('alerts', '^src/(slack|ssh|app|cli)/', 'alerts/ enqueue; they never talk to Slack or hosts'),
    forbid('slack', '^src/(ssh|app|cli)/', 'slack/ never reaches hosts'),
    forbid('diagnosis', '^src/(slack|queue|alerts|remediation|app|cli)/', 'diagnosis/ diagnoses a host; queues and chat call it through the Diagnoser port'),
    forbid('sweeps', '^src/(slack|queue|ssh|alerts|remediation|report|app|cli)/', 'sweeps/ samples, stores and decides; the queue runs it and it speaks through the Notifier port'),
    forbid('report', '^src/(slack|queue|ssh|app|cli)/', 'report/ only renders'),
    forbid('bundles', '^src/(slack|queue|ssh|app|cli|analysis)/', 'bundles/ reads and writes bundle directories'),
    forbid('metrics', '^src/(?!metrics/|domain/)', 'metrics/ is the prom-client registry; what it counts is handed to it'),
    {
      name: 'core-speaks-no-chat',
      comment:
        'core modules return data and typed errors; only slack/ (and report/ for the terminal) turn them into chat syntax. test/architecture/chat-syntax.test.ts checks their text',
      severity: 'error',
      from: { path: '^src/(domain|analysis|forecast|redaction|playbooks|inventory|remediation|alerts|queue|diagnosis|sweeps)/' },
      to: { path: ['^src/(slack|report)/'] },
    },
    {
      name: 'only-slack-imports-the-slack-sdk',
      comment: 'one adapter per platform: @slack/* is imported in slack/ and nowhere else (app/ gets what it needs through slack/index.ts)',
      severity: 'error',
      from: { pathNot: '^src/slack/' },
      to: { path: '@slack/' },
    },
    {
      name: 'nothing-imports-app',
      severity: 'error',
      comment: 'app/ holds the composition roots: it imports anything, and only the CLI command that starts a root imports it (below)',
      from: { pathNot: ['^src/app/', '^src/cli/commands/(bot|worker|demo|intake)\\.ts$'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'a-command-starts-its-own-root-lazily',
      comment:
        '`sickbay bot|worker|intake|demo` load their composition root with a dynamic import, so that `sickbay analyze` loads no Slack, BullMQ or SSH code',
      severity: 'error',
      from: { path: '^src/cli/commands/([a-z]+)\\.ts$' },
      to: { path: '^src/app/', pathNot: '^src/app/$1\\.ts$' },
    },
    {
      name: 'roots-are-loaded-lazily',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/app/', dependencyTypesNot: ['dynamic-import'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
