/**
 * Shell snippets that several playbook commands need: a command includes one as `{{@name}}` on a
 * line of its own, and rendering puts the snippet's text there. Plain POSIX sh (any host's `sh`,
 * busybox included); what each one prints and sets is said in its first comment lines.
 */

/** The header line docker_data_root prints; analysis/parsers/docker-log-sizes.ts reads it. */
export const DATA_ROOT_HEADER = '# data-root';

/**
 * Docker's data root, asked of the daemon first (under `timeout`, so a hung dockerd costs 3 s, not
 * the step; ps is bounded too, as reading a stuck process's command line can block), then read from daemon.json (the file dockerd's `--config-file` names, else
 * /etc/docker/daemon.json: `data-root`, old `graph`), then from dockerd's own command line in `ps`
 * (`--data-root`, `--graph`, `-g`, as `--x=y` or `--x y`; with several daemons, the one listening on
 * $DOCKER_HOST, or without it the one on the default socket, as the client would reach), and only then /var/lib/docker. A value is taken only when it is a plain absolute
 * path (letters, digits and `._/+@:=,-`, no `..`): it goes into later shell lines, quoted.
 */
const DOCKER_DATA_ROOT = `# Docker's data root: sets $docker_root and prints "${DATA_ROOT_HEADER} PATH (from SOURCE)",
# SOURCE one of docker-info, daemon.json, dockerd-cmdline, default.
sickbay_root_ok() {
  case $1 in /?*) ;; *) return 1 ;; esac
  case $1 in *[!A-Za-z0-9._/+@:=,-]*|*/../*|*/..|*/./*|*/.|*//*) return 1 ;; esac
  [ \${#1} -le 1024 ]
}
docker_root_from=docker-info
docker_root=$(timeout -s KILL 3 docker info --format '{{.DockerRootDir}}' 2>/dev/null)
docker_root=\${docker_root%/}
if ! sickbay_root_ok "$docker_root"; then
  sickbay_dockerd=$( { timeout -s KILL 3 ps -eo args 2>/dev/null || timeout -s KILL 3 ps; } | awk '
    { n = 0
      for (i = 1; i <= NF; i++) {
        b = $i; sub(/.*\\//, "", b)
        if (b == "dockerd" || b == "dockerd-current") { n = i + 1; break }
        if ((b == "docker" || b == "docker-current") && ($(i + 1) == "daemon" || $(i + 1) == "-d")) { n = i + 2; break }
      }
      if (!n || $0 ~ /grep/) next
      root = ""; conf = ""; hosts = " "
      for (i = n; i <= NF; i++) {
        a = $i; v = ""
        if (a ~ /^--?[A-Za-z-]+=/) { v = a; sub(/^[^=]*=/, "", v); sub(/=.*/, "", a) }
        else if (a ~ /^-g./) { v = substr(a, 3); a = "-g" }
        else if (a ~ /^(--data-root|--graph|-g|--config-file|-H|--host)$/) { i++; v = $i }
        if (a == "--data-root" || a == "--graph" || a == "-g") root = v
        else if (a == "--config-file") conf = v
        else if (a == "-H" || a == "--host") hosts = hosts v " "
      }
      if (first == "") first = root "|" conf
      if (dflt == "" && (hosts == " " || hosts ~ " (unix://)?/(var/)?run/docker[.]sock ")) dflt = root "|" conf
      if (ENVIRON["DOCKER_HOST"] != "" && index(hosts, " " ENVIRON["DOCKER_HOST"] " ")) { print root "|" conf; picked = 1; exit }
    }
    END { if (!picked) { if (ENVIRON["DOCKER_HOST"] == "" && dflt != "") print dflt; else if (first != "") print first } }')
  sickbay_conf=\${sickbay_dockerd#*|}
  sickbay_json=$(cat -- "\${sickbay_conf:-/etc/docker/daemon.json}" 2>/dev/null | tr -d '\\n\\r\\t')
  docker_root_from=daemon.json
  for sickbay_key in data-root graph; do
    docker_root=$(printf '%s\\n' "$sickbay_json" | sed -n "s/.*\\"$sickbay_key\\" *: *\\"\\([^\\"]*\\)\\".*/\\1/p")
    docker_root=\${docker_root%/}
    sickbay_root_ok "$docker_root" && break
  done
  if ! sickbay_root_ok "$docker_root"; then
    docker_root=\${sickbay_dockerd%%|*}
    docker_root=\${docker_root%/}
    docker_root_from=dockerd-cmdline
  fi
  if ! sickbay_root_ok "$docker_root"; then
    docker_root=/var/lib/docker
    docker_root_from=default
  fi
fi
printf '${DATA_ROOT_HEADER} %s (from %s)\\n' "$docker_root" "$docker_root_from"`;

/**
 * Each running container's memory cgroup, read from the kernel (answers while dockerd hangs):
 * usage, peak and limit, and the inactive page cache that docker stats leaves out of its figure.
 * Both cgroup versions and both of Docker's cgroup drivers (cgroupfs: `docker/<id>`, systemd:
 * `system.slice/docker-<id>.scope`), under any parent up to three levels down (a --cgroup-parent,
 * the kubelet's pods). The paths are globs of a container id: the prefix given when it is hex,
 * else a whole id of 64 hex digits, so that cgroups of other things named in hex are not read. A
 * glob that matches nothing stays a path grep cannot open, which -s keeps quiet; such a path nearly
 * always remains, so grep's "some file missing" status 2 is no failure here.
 */
const MEMORY_CGROUPS = `# Each container's memory cgroup: "PATH:VALUE" lines. Usage: sickbay_memory_cgroups ID_PREFIX ('' for all).
# Docker's own parent (docker/ID, system.slice/docker-ID.scope), a --cgroup-parent, and the kubelet's
# kubepods/[QOS/]podUID/ID and kubepods*.slice/.../docker-ID.scope, up to three levels down; v1's memory
# hierarchy where it is mounted (a v2 pattern would find its files twice), else the unified one.
sickbay_memory_cgroups() {
  # an id prefix as given; else a whole id, 64 hex digits (cgroups of other things named in hex are not read)
  case $1 in
    ''|*[!0-9a-f]*) sickbay_p='[0-9a-f]'; sickbay_p=$sickbay_p$sickbay_p$sickbay_p$sickbay_p; sickbay_p=$sickbay_p$sickbay_p$sickbay_p$sickbay_p; sickbay_p=$sickbay_p$sickbay_p$sickbay_p$sickbay_p ;;
    *) sickbay_p="$1*" ;;
  esac
  set --
  if [ -d /sys/fs/cgroup/memory ]; then
    for sickbay_d in /sys/fs/cgroup/memory/*/$sickbay_p/ /sys/fs/cgroup/memory/*/*/$sickbay_p/ /sys/fs/cgroup/memory/*/*/*/$sickbay_p/ \\
      /sys/fs/cgroup/memory/*/docker-$sickbay_p.scope/ /sys/fs/cgroup/memory/*/*/docker-$sickbay_p.scope/ /sys/fs/cgroup/memory/*/*/*/docker-$sickbay_p.scope/; do
      set -- "$@" "\${sickbay_d}memory.usage_in_bytes" "\${sickbay_d}memory.max_usage_in_bytes" "\${sickbay_d}memory.limit_in_bytes" "\${sickbay_d}memory.stat"
    done
  else
    for sickbay_d in /sys/fs/cgroup/*/$sickbay_p/ /sys/fs/cgroup/*/*/$sickbay_p/ /sys/fs/cgroup/*/*/*/$sickbay_p/ \\
      /sys/fs/cgroup/*/docker-$sickbay_p.scope/ /sys/fs/cgroup/*/*/docker-$sickbay_p.scope/ /sys/fs/cgroup/*/*/*/docker-$sickbay_p.scope/; do
      set -- "$@" "\${sickbay_d}memory.current" "\${sickbay_d}memory.peak" "\${sickbay_d}memory.max" "\${sickbay_d}memory.stat"
    done
  fi
  grep -s -H -E '^([0-9]+|max)$|^(total_)?inactive_file [0-9]+$' "$@"
  [ $? -le 2 ]
}`;

export const SHELL_SNIPPETS: Readonly<Record<string, string>> = {
  docker_data_root: DOCKER_DATA_ROOT,
  memory_cgroups: MEMORY_CGROUPS,
};

/** `{{@name}}` anywhere in a template (the linter wants it alone on its line). */
const SNIPPET_REF = /\{\{@([^}]*)\}\}/g;
/** `{{@name}}` alone on its line: what rendering replaces. */
const SNIPPET_LINE = /^[ \t]*\{\{@([a-z][a-z0-9_]*)\}\}[ \t]*$/gm;

export interface SnippetRef {
  name: string;
  index: number;
  /** True when nothing else is on its line. */
  alone: boolean;
}

export function snippetRefs(template: string): SnippetRef[] {
  return [...template.matchAll(SNIPPET_REF)].map((m) => {
    const start = template.lastIndexOf('\n', m.index) + 1;
    const endAt = template.indexOf('\n', m.index);
    const line = template.slice(start, endAt === -1 ? undefined : endAt);
    return { name: m[1] ?? '', index: m.index, alone: line.trim() === m[0] };
  });
}

/** Replaces each `{{@name}}` line with its snippet. An unknown name is a programming error: the linter refuses it. */
export function expandSnippets(template: string): string {
  return template.replace(SNIPPET_LINE, (_whole, name: string) => {
    const text = Object.hasOwn(SHELL_SNIPPETS, name) ? SHELL_SNIPPETS[name] : undefined;
    if (text === undefined) throw new Error(`template includes snippet "${name}", which does not exist`);
    return text;
  });
}
