import { BotError } from '../domain/index.js';

/**
 * Why an SSH connection or command could not be used. `code` is stable; `retryable` tells the queue
 * whether trying again can help: auth and host-key problems never go away by themselves.
 */
export class SshError extends BotError {
  /** The inventory name of the host this is about. */
  readonly host: string;

  constructor(code: string, host: string, userMessage: string, options: { cause?: unknown; retryable: boolean; detail?: string }) {
    super(code, userMessage, options);
    this.host = host;
  }
}

export class SshAuthFailedError extends SshError {
  constructor(host: string, user: string, identity: string, cause?: unknown) {
    super(
      'ssh_auth_failed',
      host,
      `SSH login to ${host} as ${user} was refused: the server did not accept ${identity}. ` +
        `Check that its public key is in ~${user}/.ssh/authorized_keys on ${host}.`,
      { cause, retryable: false },
    );
  }
}

export class SshKeyUnreadableError extends SshError {
  constructor(host: string, file: string, cause?: unknown) {
    super('ssh_key_unreadable', host, `cannot use the SSH key ${file} for ${host}: the file is missing, unreadable or not a private key`, {
      cause,
      retryable: false,
    });
  }
}

export class HostKeyUnknownError extends SshError {
  readonly fingerprint: string;

  constructor(host: string, hostPattern: string, port: number, knownHostsFile: string, fingerprint: string, keyType: string) {
    const scan = port === 22 ? `ssh-keyscan ${hostPattern}` : `ssh-keyscan -p ${port} ${hostPattern}`;
    super(
      'ssh_host_key_unknown',
      host,
      `refusing to connect to ${host}: its host key (${keyType} ${fingerprint}) is unknown, it is not in ${knownHostsFile}. ` +
        `Check the fingerprint out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then trust it with: ` +
        `${scan} >> ${knownHostsFile}`,
      { retryable: false },
    );
    this.fingerprint = fingerprint;
  }
}

export class HostKeyChangedError extends SshError {
  readonly fingerprint: string;
  readonly knownFingerprints: readonly string[];

  constructor(host: string, knownHostsFile: string, fingerprint: string, keyType: string, known: readonly string[]) {
    super(
      'ssh_host_key_changed',
      host,
      `refusing to connect to ${host}: its host key CHANGED (possible man-in-the-middle attack). ` +
        `${knownHostsFile} has ${known.join(', ')}; the host now presents ${keyType} ${fingerprint}. ` +
        `If the host was reinstalled, confirm the new fingerprint out of band and replace its line in ${knownHostsFile}.`,
      { retryable: false },
    );
    this.fingerprint = fingerprint;
    this.knownFingerprints = known;
  }
}

export class HostKeyRevokedError extends SshError {
  constructor(host: string, knownHostsFile: string, fingerprint: string) {
    super(
      'ssh_host_key_revoked',
      host,
      `refusing to connect to ${host}: its host key ${fingerprint} is marked @revoked in ${knownHostsFile}`,
      { retryable: false },
    );
  }
}

export class SshConnectRefusedError extends SshError {
  constructor(host: string, address: string, port: number, cause?: unknown) {
    super('ssh_connect_refused', host, `cannot reach ${host}: connection refused on ${address}:${port} (is sshd running, is the port right?)`, {
      cause,
      retryable: true,
    });
  }
}

export class SshConnectTimeoutError extends SshError {
  constructor(host: string, address: string, port: number, timeoutMs: number, cause?: unknown) {
    super('ssh_connect_timeout', host, `cannot reach ${host}: no SSH session with ${address}:${port} within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} (host down or firewalled?)`, {
      cause,
      retryable: true,
    });
  }
}

export class SshUnreachableError extends SshError {
  constructor(host: string, why: string, cause?: unknown) {
    super('ssh_unreachable', host, `lost or could not open the SSH connection to ${host}: ${why}`, { cause, retryable: true });
  }
}

export class SudoPasswordRequiredError extends SshError {
  constructor(host: string) {
    super('sudo_password_required', host, `sudo needs a password on ${host}: allow the sickbay user passwordless sudo for its commands (NOPASSWD)`, {
      retryable: false,
    });
  }
}
