import { describe, expect, it } from 'vitest';
import { reinterpretedPlaceholders } from '../../src/playbooks/shell-contexts.js';

/** Templates where a param value would be parsed as code a second time, and why the linter must say. */
const REFUSED: ReadonlyArray<[string, RegExp]> = [
  ['eval {{p}}', /follows `eval`/],
  ['eval "docker rm "{{p}}', /follows `eval`/],
  ['x=1; eval echo $x {{p}}', /follows `eval`/],
  ['sh -c {{p}}', /script of `sh -c`/],
  ['sh -c "docker rm -f "{{p}}', /script of `sh -c`/],
  ["bash -c 'docker rm -f '{{p}}", /script of `bash -c`/],
  ["bash -ec 'docker rm -f '{{p}}' && true'", /script of `bash -c`/],
  ['bash -o pipefail -c {{p}}', /script of `bash -c`/],
  ['/bin/sh -xc {{p}} sh', /script of `sh -c`/],
  ['sudo -u root sh -c {{p}}', /script of `sh -c`/],
  ['timeout -s KILL 10 bash -c {{p}}', /script of `bash -c`/],
  ['env -i PATH=/bin sh -c {{p}}', /script of `sh -c`/],
  ['docker exec -u 0 web sh -c {{p}}', /script of `sh -c`/],
  ['cat <<EOF\ndocker rm {{p}}\nEOF', /here-document/],
  ["sh <<'EOF'\ndocker rm {{p}}\nEOF\necho done", /here-document/],
  ['cat <<-EOF\n\tdocker rm {{p}}\n\tEOF', /here-document/],
  ['echo `docker inspect {{p}}`', /backticks/],
  ['echo {{p}} | sh', /piped into `sh`/],
  ['printf "%s\\n" {{p}} | bash -s', /piped into `bash`/],
  ['echo {{p}} | xargs sh -c', /piped into `xargs`/],
  ['echo {{p}} | python3', /piped into `python3`/],
  ['sh <<< {{p}}', /fed to `sh` on stdin/],
  ['bash < {{p}}', /fed to `bash` on stdin/],
  ['xargs sh -c {{p}} < /tmp/list', /script of `sh -c`/],
  ['su -c {{p}} root', /`su -c`/],
  ['su root --command={{p}}', /`su -c`/],
  ['runuser -u app -- sh -c {{p}}', /script of `sh -c`/],
  ['ssh -p 22 host-a docker rm {{p}}', /`ssh` runs on the remote host/],
  ['ssh -oBatchMode=yes -i key host-a {{p}}', /`ssh` runs on the remote host/],
  ['find /var/lib/docker -name x -exec sh -c {{p}} \\;', /script of `sh -c`/],
  ['find / -execdir {{p}} {} +', /the command to run/],
  ['trap {{p}} EXIT', /code `trap` runs/],
  ['source {{p}}', /names the file `source` runs/],
  ['. {{p}}', /names the file `.` runs/],
  ['bash {{p}}', /names the script file `bash` runs/],
  ['{{p}} --version', /the command to run/],
  ['exec {{p}}', /the command to run/],
  ['nohup nice -n 5 {{p}} &', /the command to run/],
  ['x=$(echo {{p}}); $x', /the command to run|assigned/],
  ['watch -n 1 docker rm {{p}}', /`watch` hands to `sh -c`/],
  ['flock /tmp/l -c {{p}}', /`flock -c`/],
  ['script -qc {{p}} /dev/null', /`script -c`/],
  ['env -S {{p}}', /`env -S`/],
  ['python3 -c {{p}}', /code `python3 -c` runs/],
  ["perl -ne 'print if /x/' -e {{p}}", /code `perl -e` runs/],
  ['perl -ne {{p}} /var/log/messages', /code `perl -e` runs/],
  ['node --eval={{p}}', /code `node --eval` runs/],
  ['awk {{p}} /etc/passwd', /program `awk` runs/],
  ['sed -e {{p}} /etc/hosts', /code `sed -e` runs/],
  ['sed {{p}} /etc/hosts', /program `sed` runs/],
  ['echo $(( {{p}} + 1 ))', /arithmetic/],
  ['(( {{p}} > 3 ))', /arithmetic/],
  ['let n={{p}}', /arithmetic/],
  ['[[ {{p}} -gt 3 ]] && echo big', /arithmetic test/],
  ['declare {{p}}', /names a variable of `declare`/],
  ['printf -v {{p}} %s x', /names a variable of `printf`/],
  ['x={{p}}; eval "echo $x"', /assigned to \$x, which then follows `eval`/],
  ['export CMD={{p}}; sh -c "$CMD"', /assigned to \$CMD, which then is in the script of `sh -c`/],
  ['out=$(eval {{p}})', /follows `eval`/],
  ['if true; then eval {{p}}; fi', /follows `eval`/],
  ['for f in a b; do bash -c {{p}}; done', /script of `bash -c`/],
];

/** Templates where every value stays one plain argument: they must lint clean. */
const ALLOWED: readonly string[] = [
  'docker inspect {{p}}',
  'docker ps -a --no-trunc --filter id={{p}} --format \'{{json .}}\'',
  'dmesg | grep -F -B 5 -A 30 -e {{p}} | tail -n 2000',
  'for f in /var/log/messages /var/log/syslog; do if [ -r "$f" ]; then tail -n 50000 "$f" | grep -F -e {{p}} | tail -n 2000; exit 0; fi; done; exit 1',
  '{{@docker_data_root}}\ndu -sb "$docker_root"/containers/{{p}}*/*-json.log',
  'log=$(docker inspect --format \'{{.LogPath}}\' {{p}}) && log=$(realpath -e -- "$log") && case "$log" in "$root"/containers/*-json.log) truncate -s 0 -- "$log" ;; *) exit 3 ;; esac',
  "sh -c 'docker rm -f \"$1\"' sh {{p}}",
  "bash -c 'echo \"$@\"' bash {{p}} {{q}}",
  "sudo -u root docker rm -f {{p}}",
  "timeout 10 docker restart {{p}}",
  "find /var/lib/docker/containers -name {{p}} -exec rm -f {} \\;",
  "ssh {{p}} uptime",
  "su -c 'id' {{p}}",
  "awk -v id={{p}} '$1 == id' /tmp/list",
  "sed -n 's/x/y/p' {{p}}",
  "python3 /opt/check.py {{p}}",
  "cat <<'EOF' > /tmp/x\nfixed text\nEOF\ndocker rm {{p}}",
  "echo {{p}} | grep -F x | sh -c 'cat'",
  "export CONTAINER={{p}}; docker inspect \"$CONTAINER\"",
  "x={{p}}; sh -c 'echo \"$0\"' \"$x\"",
  "[[ -n {{p}} ]] && echo set",
  "[ {{p}} -gt 3 ] && echo big",
  "echo {{p}} # eval {{q}} in a comment",
  "test -e /proc/{{p}}",
];

describe('placeholders parsed as code a second time', () => {
  it.each(REFUSED)('refuses %j', (template, why) => {
    const found = reinterpretedPlaceholders(template);
    expect(found).toHaveLength(1);
    expect(found[0]?.why).toMatch(why);
    expect(template.slice(found[0]?.index)).toMatch(/^\{\{p\}\}/);
  });

  it.each(ALLOWED)('allows %j', (template) => {
    expect(reinterpretedPlaceholders(template)).toEqual([]);
  });
});
