import { describe, expect, it } from 'vitest';
import { buildDockerdLogFacts } from '../../../src/analysis/facts/dockerd-log.js';
import { parseDockerdLog } from '../../../src/analysis/parsers/dockerd-log.js';
import { bundleFromRecord } from '../../../src/domain/index.js';
import { WRAPPED_CONTAINERD_RESTORE } from '../../helpers/fixtures.js';

const FULL = '8f8020e79b13bcbf40298d3c9680cd1a838e16dc810ef3b1357eb3e75f78ef99';

describe('parseDockerdLog', () => {
  it('finds the containerd restore failure in messages wrapped across lines as in seed 001', () => {
    const text = ['Jun  3 10:38:23 docker-06 systemd[1]: Starting Docker Application Container Engine...', ...WRAPPED_CONTAINERD_RESTORE].join('\n');
    const log = parseDockerdLog(text, 'messages');
    expect(log.containerdRestoreFailure?.map((l) => l.line)).toEqual([2, 4, 6]);
    expect(log.containerdRestoreFailure?.[2]?.text).toContain('level=fatal msg=EOF');
    expect(log.containerdRestoreFailures).toBe(1);
  });

  it('does not blame containerd for a fatal about something else, or for a fatal long after the start', () => {
    const graph = [
      'Jan 10 17:14:31 h dockerd[1187]: time="2017-01-10T17:14:31.4+08:00" level=info msg="libcontainerd: new containerd process, pid: 1243"',
      'Jan 10 17:14:31 h dockerd[1187]: time="2017-01-10T17:14:31.5+08:00" level=fatal msg="Error starting daemon: error initializing graphdriver: devmapper: Base Device UUID verification failed"',
    ].join('\n');
    expect(parseDockerdLog(graph).containerdRestoreFailure).toBeNull();
    const late = [
      'Jan 10 17:14:31 h dockerd[1187]: time="2017-01-10T17:14:31.4+08:00" level=info msg="libcontainerd: new containerd process, pid: 1243"',
      ...Array.from({ length: 30 }, (_, i) => `Jan 10 17:15:${String(i).padStart(2, '0')} h dockerd[1187]: time="x" level=info msg="API listen on /var/run/docker.sock"`),
      'Feb 10 17:14:31 h dockerd[1187]: time="2017-02-10T17:14:31.5+08:00" level=fatal msg=EOF',
    ].join('\n');
    expect(parseDockerdLog(late).containerdRestoreFailure).toBeNull();
  });

  it('reads thin pool low-space errors with the free and minimum block counts', () => {
    const text =
      'Feb 16 15:31:39 centos-docker01 dockerd-current[1127]: time="2017-02-16T15:31:39.833029581+08:00" level=error msg="Handler for POST /v1.22/containers/create returned error: devmapper: Thin Pool has 2047 free data blocks which is less than minimum required 163840 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior"';
    expect(parseDockerdLog(text).thinPoolLowSpace).toEqual([
      { freeBlocks: 2047, minimumBlocks: 163840, time: '2017-02-16T15:31:39.833029581+08:00', line: { spec: 'journal_docker', line: 1, text } },
    ]);
  });

  it('groups stop failures under one container whether logged with its short or full id, and attaches "container not found"', () => {
    const text = [
      `Dec 05 10:14:01 h dockerd[1321]: time="2017-12-05T10:14:01.066063275+08:00" level=info msg="Container ${FULL} failed to exit within 120 seconds of signal 15 - using the force"`,
      `Dec 05 10:14:01 h dockerd[1321]: time="2017-12-05T10:14:01.066755930+08:00" level=warning msg="container kill failed because of 'container not found' or 'no such process': Cannot kill container ${FULL}: rpc error: code = Unknown"`,
      'Dec 05 10:14:11 h dockerd[1321]: time="2017-12-05T10:14:11.067151142+08:00" level=info msg="Container 8f8020e79b13 failed to exit within 10 seconds of kill - trying direct SIGKILL"',
      'Dec 05 12:52:58 h dockerd[1321]: time="2017-12-05T12:52:58.017517865+08:00" level=error msg="Error running exec in container: containerd: container not found"',
    ].join('\n');
    const { stopFailures } = parseDockerdLog(text);
    expect(stopFailures).toHaveLength(1);
    expect(stopFailures[0]).toMatchObject({ containerId: FULL, firstTime: '2017-12-05T10:14:01.066063275+08:00' });
    expect(stopFailures[0]?.lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
  });

  it('ignores the container\'s own output that dockerd relays into messages', () => {
    const text = 'Feb 16 15:37:42 centos-docker01 mysqld[99]: level=fatal Thin Pool has 0 free data blocks';
    const log = parseDockerdLog(text, 'messages');
    expect([log.thinPoolLowSpace.length, log.containerdRestoreFailure]).toEqual([0, null]);
  });
});

describe('buildDockerdLogFacts', () => {
  it('counts a thin pool line found in both journal_docker and messages once', () => {
    const line = (host: string) =>
      `Feb 16 16:41:53 ${host}: time="2017-02-16T16:41:53.033009162+08:00" level=error msg="devmapper: Thin Pool has 0 free data blocks which is less than minimum required 163840 free data blocks."`;
    const facts = buildDockerdLogFacts(bundleFromRecord({ journal_docker: line('c dockerd-current[1127]'), messages: line('c dockerd-current') }));
    expect(facts.thinPoolLowSpace.map((t) => t.line.spec)).toEqual(['journal_docker']);
  });
});

describe('parseDockerdLog on other releases and log formats', () => {
  it('reads the terminal INFO[..]/FATA[..] format and a containerd start that ends in a timeout', () => {
    const text = [
      'INFO[2019-11-05T09:12:01.120000000Z] Starting up',
      'INFO[2019-11-05T09:12:01.130000000Z] libcontainerd: started new containerd process  pid=52',
      'failed to start containerd: timeout waiting for containerd to start',
    ].join('\n');
    const log = parseDockerdLog(text);
    expect(log.containerdRestoreFailure?.map((l) => l.line)).toEqual([2, 3]);
    expect(log.containerdRestoreFatal).toContain('timeout waiting for containerd to start');
  });

  it("reads CoreOS's env wrapper as dockerd and a corrupt events.log as a containerd restore failure", () => {
    const text = [
      'Oct 30 09:01:02 core-01 env[912]: time="2017-10-30T09:01:02Z" level=info msg="libcontainerd: new containerd process, pid: 934"',
      'Oct 30 09:01:03 core-01 env[912]: time="2017-10-30T09:01:03Z" level=fatal msg="invalid character \'\\x00\' looking for beginning of value"',
    ].join('\n');
    const log = parseDockerdLog(text);
    expect(log.containerdRestoreFailure?.map((l) => l.line)).toEqual([1, 2]);
  });

  it('takes the container from the container= field of Docker 19.03+ and 23+ stop lines', () => {
    const text = [
      `Jun 01 10:00:00 h dockerd[9]: time="2023-06-01T10:00:00Z" level=info msg="Container failed to exit within 10s of signal 15 - using the force" container=${FULL}`,
      `Jun 01 10:00:10 h dockerd[9]: time="2023-06-01T10:00:10Z" level=warning msg="container kill failed because of 'container not found' or 'no such process'" action=kill container=${FULL}`,
    ].join('\n');
    const { stopFailures } = parseDockerdLog(text);
    expect(stopFailures).toHaveLength(1);
    expect(stopFailures[0]?.containerId).toBe(FULL);
    expect(stopFailures[0]?.lines.map((l) => l.line)).toEqual([1, 2]);
  });
});
