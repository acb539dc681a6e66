// Deterministic host output for the benches: the same seed writes the same bytes on every run.

/**
 * A seeded generator of the lines a Docker/Mesos host's logs are mostly made of: container ids,
 * veth names and addresses drawn once, and makers of syslog ([program, message]) and kernel lines.
 */
export function createHostNoise(seed = 20170825) {
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');

  const ids = Array.from({ length: 40 }, () => hex(64));
  const veths = Array.from({ length: 200 }, () => `veth${hex(7)}`);
  const ips = Array.from({ length: 50 }, () => `10.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`);

  /** Userland syslog noise: [program, message] makers. */
  const syslogNoise = [
    () => ['systemd', `Started Session ${Math.floor(rand() * 99999)} of user root.`],
    () => ['systemd', `Starting Session ${Math.floor(rand() * 99999)} of user root.`],
    () => ['systemd-logind', `New session ${Math.floor(rand() * 99999)} of user root.`],
    () => [`sshd[${Math.floor(rand() * 60000)}]`, `Accepted publickey for root from ${pick(ips)} port ${40000 + Math.floor(rand() * 20000)} ssh2: RSA SHA256:${hex(43)}`],
    () => [`sshd[${Math.floor(rand() * 60000)}]`, `pam_unix(sshd:session): session opened for user root by (uid=0)`],
    () => [`CROND[${Math.floor(rand() * 60000)}]`, '(root) CMD (/usr/lib64/sa/sa1 1 1)'],
    () => [`CROND[${Math.floor(rand() * 60000)}]`, '(root) CMD (/usr/local/bin/disk_report.sh >/dev/null 2>&1)'],
    () => ['NetworkManager[812]', `<info>  [${(1520000000 + rand() * 1e6).toFixed(4)}] device (${pick(veths)}): carrier: link connected`],
    () => ['NetworkManager[812]', `<info>  [${(1520000000 + rand() * 1e6).toFixed(4)}] manager: (${pick(veths)}): new Veth device (/org/freedesktop/NetworkManager/Devices/${Math.floor(rand() * 9999)})`],
    () => ['dockerd[1188]', `time="2018-03-12T03:17:45.${hex(9).replace(/[a-f]/g, '1')}+08:00" level=info msg="shim reaped" id=${pick(ids)} module="containerd/tasks"`],
    () => ['dockerd[1188]', `time="2018-03-12T03:17:46.${hex(9).replace(/[a-f]/g, '2')}+08:00" level=info msg="ignoring event" module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"`],
    () => ['mesos-slave[2905]', `I0312 03:17:45.965833  2952 slave.cpp:3634] Handling status update TASK_RUNNING (UUID: ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}) for task app-${hex(6)}`],
  ];
  /** Kernel noise: audit, usb, ethernet, bridge. */
  const kernelNoise = [
    () => `audit: type=1130 audit(${(1520000000 + rand() * 1e6).toFixed(3)}:${Math.floor(rand() * 99999)}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=session-${Math.floor(rand() * 9999)}.scope comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'`,
    () => `usb ${1 + Math.floor(rand() * 3)}-1: new high-speed USB device number ${Math.floor(rand() * 20)} using ehci-pci`,
    () => `usb ${1 + Math.floor(rand() * 3)}-1: New USB device found, idVendor=0781, idProduct=5567`,
    () => 'ixgbe 0000:03:00.0 eth0: NIC Link is Up 10 Gbps, Flow Control: RX/TX',
    () => `docker0: port ${1 + Math.floor(rand() * 9)}(${pick(veths)}) entered forwarding state`,
    () => `docker0: port ${1 + Math.floor(rand() * 9)}(${pick(veths)}) entered disabled state`,
    () => `device ${pick(veths)} entered promiscuous mode`,
    () => `IPv6: ADDRCONF(NETDEV_CHANGE): ${pick(veths)}: link becomes ready`,
    () => `XFS (dm-${Math.floor(rand() * 30)}): Mounting V5 Filesystem`,
    () => `EXT4-fs (dm-${Math.floor(rand() * 30)}): mounted filesystem with ordered data mode. Opts: (null)`,
  ];
  return { rand, pick, hex, ids, veths, ips, syslogNoise, kernelNoise };
}

/** The syslog time stamp of the `i`-th line of a log that writes 40 lines a second from Mar 12 00:00:00. */
export function syslogStamp(i) {
  const s = Math.floor(i / 40);
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `Mar 12 ${hh}:${mm}:${ss}`;
}
