// The real OpenSSH host lives in src/lab so that the benches use the same one.
export * from '../../src/lab/openssh-host.js';
