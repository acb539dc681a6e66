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
      comment: 'redaction/ is pure and stands alone: everything that leaves a process can use it',
      severity: 'error',
      from: { path: folder('redaction') },
      to: { pathNot: ['^src/redaction/'] },
    },
    forbid('config', '^src/(?!domain|config)', 'config/ imports only domain/'),
    forbid('playbooks', '^src/(slack|queue|ssh|app|cli)/', 'playbooks/ stays below adapters'),
    forbid('ssh', '^src/(slack|queue|analysis|app|cli|alerts|remediation)/', 'ssh/ is a transport'),
    forbid('remediation', '^src/(slack|alerts|app|cli|ssh)/', 'remediation/ reaches SSH only via the CommandRunner port'),
    forbid('queue', '^src/(slack|app|cli)/', 'queue/ sends results out through the Notifier port'),
    forbid('alerts', '^src/(slack|ssh|app|cli)/', 'alerts/ enqueue; they never talk to Slack or hosts'),
    forbid('slack', '^src/(ssh|app|cli)/', 'slack/ never reaches hosts'),
    forbid('report', '^src/(slack|queue|ssh|app|cli)/', 'report/ only renders'),
    forbid('bundles', '^src/(slack|queue|ssh|app|cli|analysis)/', 'bundles/ reads and writes bundle directories'),
    {
      name: 'nothing-imports-app',
      severity: 'error',
      comment: 'only the long-running CLI commands start a composition root',
      from: { pathNot: ['^src/app/', '^src/cli/commands/(bot|worker|demo|intake)\\.ts$'] },
      to: { path: '^src/app/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
