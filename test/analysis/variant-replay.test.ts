import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { AnalysisReportSchema, FINDING_CODES, reportProblems } from '../../src/domain/index.js';
import { variantBundles } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const MIN_VARIANTS = 3;
/**
 * Codes for which public bug reports and documentation have not yet given three real outputs,
 * with what is missing. The coverage test fails when any other code falls short, and when one of
 * these reaches three (then take it off the list): the gap stays visible instead of hidden.
 */
const SHORT_OF_PUBLIC_OUTPUTS: Readonly<Record<string, string>> = {
  JVM_HEAP_UNBOUNDED:
    'one variant (a Swarm API inspect of a java -jar service on 8u131 with 512 MiB, quoted in quirinobrizi/buckle\'s tests). Searched issues (moby, jenkinsci/docker, docker-library/tomcat, openshift/jenkins, kubernetes, elastic, marathon, amazon-ecs-agent), repository docs and blog posts for docker inspect of java, catalina.sh or jenkins.sh containers, and the source index for inspect JSON with "Path": "java", "Entrypoint": ["java", "JAVA_VERSION=8u and a non-zero "Memory": the other whole inspect dumps of pre-8u191 JVMs are tutorials with HostConfig.Memory 0 or carry -Xmx in Args, elasticsearch and kafka images start java from a shell script, and memory-limited JVMs killed by the cgroup are told in prose, docker stats, pod specs or dmesg, not docker inspect. Then the source index for inspect dumps of orchestrated containers (Mesos "/mesos-" names, MARATHON_APP_RESOURCE_MEM, "/ecs-" names, "Path": "catalina.sh", "Entrypoint":["java" compact JSON, "Memory": 536870912, 1073741824 and 2147483648) and issues for OOM-killed java containers with inspect output: the Marathon dump found runs nginx, the Axibase and Sysdig fixtures carry no limit or no command, the tomcat and java -jar inspect tutorials run with Memory 0, and moby#13289 quotes only Config.Memory of a catalina container with the rest elided. Later also: the source index for "Path": "java", (all ten hits are tutorials with Memory 0, an -Xmx in Args, or not inspect output), compact "Path":"java" and "Cmd":["java" (test stubs), "Path": "/usr/bin/java", "/usr/lib/jvm, /docker-java-home, /opt/jdk, JAVA_DEBIAN_VERSION=, JAVA_ALPINE_VERSION= and JAVA_VERSION=7u (image inspects or tutorials, Mesos\'s docker_tests.cpp an image inspect), "Path": "catalina.sh" (tomcat tutorials), "OOMKilled": true, (no java container), "Memory": 268435456, 4294967296 and 3221225472 (no java container), and Jenkins remoting flags (docker-plugin runs agent.jar by docker exec, not as the container\'s process); the test fixtures of docker-java, spotify/docker-client, fabric8io/docker-maven-plugin, jenkinsci/docker-plugin, newrelic/nri-docker and HubSpot/Singularity (no java container with a limit); issues on jenkins agents, nomad, kubernetes k8s_ containers, itzg/docker-minecraft-server and tomcat OOM kills, and blog posts in English and Chinese: OOM-killed JVMs are shown by --format \'{{.State.OOMKilled}}\', docker stats or dmesg, not a whole inspect. Later still: the source index for HostConfig.Memory values of 256 MiB to 4 GiB followed by "NanoCpus" (1.13+ layout, indented and compact) or "CgroupParent" (1.10 to 1.12), "Path": "java" with each first argument, "-c", "java in both indents, /opt/java, /usr/local/openjdk and /usr/java paths, JAVA_VERSION=8u111 to 8u181, JAVA_VERSION_MAJOR=8, NOMAD_MEMORY_LIMIT= and MESOS_TASK_ID=; "OOMKilled": true and "ExitCode": 137 in three layouts (stubs, State blocks alone, non-java containers); issues of Jib (#2757: Path java, HostConfig not quoted), swarmpit (#323: a java:8-alpine service exiting 137 with no inspect quoted), Swarm, Nomad, ECS, Rancher, Portainer and runlike; the kernel mail archives the index holds (no Docker, Mesos, Jenkins or Elastic lists among them), and Q&A, forum, pastebin and CSDN pages (a zuul-server inspect exited 130; a Pterodactyl one runs /entrypoint.sh on Java 17). Once the rule counted -XX:MaxRAMFraction on a JVM blind to the limit as no bound and -XX:-UseContainerSupport as a blind JVM: the source index for "-XX:MaxRAMFraction=, "JAVA_OPTS=-XX:, -XX:-UseContainerSupport", "CATALINA_OPTS=, "Path": "/usr/lib/jvm/, "Path": "/usr/bin/java" and more HostConfig.Memory values (Dockerfiles and pod specs, which set +UseCGroupMemoryLimitForHeap beside MaxRAMFraction, and postgres or redis inspects), the cgroup v2 threads of Nomad, Adoptium, Corretto, IBM runtimes, GeoServer Cloud and WireMock (docker run -m with -XshowSettings, no inspect), and moby#13289 again (an inspect cut to Config.Memory, without Id, Path or Env). Then, with jenkins.sh counted as a java launcher and a JDK directory on PATH read, whole histories (every blob of every commit) of about 120 repositories fetched and scanned for inspect objects naming java, catalina.sh or jenkins.sh beside a non-zero Memory: monitoring agents (telegraf, cadvisor, datadog dd-agent, signalfx, sematext, netdata, sysdig, newrelic, scalyr, fluent-bit, falco), clients and UIs (docker-py, dockerode, go-dockerclient, gesellix, docker-java-api, portainer, lazydocker, ctop, dry, kitematic, shipyard, swarmpit, runlike, rekcod, docker-autocompose), orchestrators and PaaS (paasta, helios, aurora, marathon, mesos, titus, rancher, cattle, classic Swarm, nomad, ecs-agent, flynn, deis, dcos, tsuru, kontena, convox, rainbond) and Java tooling (jib, testcontainers-java, arquillian-cube, jclouds, jenkinsci docker plugins); the scan re-finds the one variant and nothing else: arquillian-cube\'s container.json runs the Jenkins image\'s jenkins.sh on 8u121 with no heap bound, but with HostConfig.Memory 0 in all five of its versions (filed here as a negative variant); spotify/docker-client#631 (a running catalina.sh) and jlesage/docker-jdownloader-2#270 are stored cut off before HostConfig. Later: multi-line exact searches of the indented layout ("java", then "Args": [ with -jar or -D, "Cmd": [ "java", "-c" then java or exec java, tini then --, catalina.sh then Args, JAVA_DEBIAN_VERSION=8u, JAVA_ALPINE_VERSION=8., JAVA_VERSION=9, "OOMKilled": true then "Dead", ExitCode 137 after Pid 0, Memory 200 to 750 MiB, MARATHON_APP_RESOURCE_MEM=, ECS_CONTAINER_METADATA_URI=); issues of Java applications whose users paste inspects (openHAB, SonarQube, Keycloak, Traccar, Selenium, UniFi controllers, XXL-JOB, Jetty, Joget, Singularity, Spring PetClinic, Compose mem_limit threads); Japanese, Korean and Russian pages: all tutorials with Memory 0, a heap bound, a script entrypoint, or cut short; a 2017 blog post on a java:8 container run with -m 64m and OOM-killed publishes only the State part of its inspect. Later again: container inspects with Temurin\'s and the official images\' later Env entries ("JAVA_VERSION=jdk-11.0, "JAVA_VERSION=jdk8u, "JAVA_VERSION=11.0.: a JDK 11.0.11 scheduler run as java -cp, Solr, Spark, Halo and tomcat images, all with Memory 0, a heap bound or image inspects only), Metabase\'s issues on memory-limited containers (prose and JAVA_OPTS advice, no inspect) and a repository built to test JVM memory in Docker (docker stats only). Once the rule also took a heap bound that fills the limit: the source index, issues and pages for inspects with a non-zero Memory beside -Xmx, -XX:MaxHeapSize, MaxRAMPercentage=100 or MaxRAMFraction=1 in Args, Cmd, Entrypoint or an Env entry (JAVA_OPTS, JAVA_TOOL_OPTIONS, CATALINA_OPTS, ES_JAVA_OPTS, _JAVA_OPTIONS), Mesos, Marathon and kubelet names: the experimental flag with MaxRAMFraction=1 is common in public Dockerfiles, Terraform and pod specs, never in a published inspect; the Java inspects found have Memory 0 (a jar with -Xmx1024m, Halo, Elasticsearch 7.6.2, Nexus 3.75.1) or stop before HostConfig, and an Axibase changelog quotes only the Env of a Marathon task (JAVA_OPTS=-Xmx512m, MARATHON_APP_RESOURCE_MEM=512.0) without its limit. Then podman inspect, which is what docker inspect prints on RHEL 8+ with podman-docker (podman issues, Quarkus and Keycloak threads: the one whole inspect is a Bedrock server, not a JVM), and the issues of Java server images whose users paste inspects: Omada controller (whole inspects with Memory 0, or a 1152 MiB limit beside its -Xmx1024m, 89 %, below the rule\'s 90 %, and cut before Config), Graylog, Artifactory, Atlassian, Kafka and ZooKeeper, Neo4j, TeamCity, Guacamole, NiFi, Lavalink, Pterodactyl eggs, ELK and Solr images (prose, docker stats, ps or attachments the index does not hold)',
};
const bundles = variantBundles();

/** The finding codes docs/findings.md promises: every back-quoted code in the first column of its tables. */
function documentedCodes(): string[] {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/findings.md', import.meta.url)), 'utf8');
  return [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);
}

describe('real-world output variants', () => {
  it('reads the finding codes from docs/findings.md', () => {
    const codes = documentedCodes();
    expect(codes.length).toBeGreaterThanOrEqual(FINDING_CODES.length);
    expect(codes.filter((c) => !(FINDING_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  for (const { name, dir, expected, code } of bundles) {
    it(`${name}: reports what it must and nothing it must not`, async () => {
      const report = analyze(await readBundle(dir), { now: NOW });
      AnalysisReportSchema.parse(report);
      const codes = new Set<string>(report.findings.map((f) => f.code));
      const missing = expected.must.filter((c) => !codes.has(c));
      const unwanted = expected.must_not.filter((c) => codes.has(c));
      expect({ missing, unwanted }).toEqual({ missing: [], unwanted: [] });
      // Every bundle says what caused what, and what is history; the report must say the same.
      expect(expected.root_causes, 'expected.json gives root_causes').toBeDefined();
      expect(expected.earlier, 'expected.json gives earlier').toBeDefined();
      expect(reportProblems(report).map((p) => p.code)).toEqual(expected.root_causes);
      expect(report.findings.filter((f) => f.earlier !== undefined).map((f) => f.code)).toEqual(expected.earlier);
      // Filed under a code, a variant is about that code: it must either prove it or rule it out.
      expect([...expected.must, ...expected.must_not]).toContain(code);
      for (const finding of report.findings) {
        expect(finding.evidence.length, `${finding.code} has evidence`).toBeGreaterThan(0);
      }
    });

    it(`${name}: names its public source`, () => {
      const source = join(dir, 'SOURCE');
      expect(existsSync(source), 'SOURCE file').toBe(true);
      const text = readFileSync(source, 'utf8');
      expect(text).toMatch(/^url: https:\/\/\S+$/m);
      expect(text).toMatch(/^what: \S/m);
      expect(text).toMatch(/^changed: \S/m);
    });
  }

  it(`has at least ${MIN_VARIANTS} positive variants for every code in docs/findings.md but the listed ones`, () => {
    // A bundle that must raise several codes (a full pool on loop-lvm) is a variant of each of them.
    const positives = new Map<string, number>();
    for (const b of bundles) {
      for (const code of new Set(b.expected.must)) positives.set(code, (positives.get(code) ?? 0) + 1);
    }
    const short = documentedCodes()
      .filter((code) => (positives.get(code) ?? 0) < MIN_VARIANTS)
      .sort();
    expect(short).toEqual(Object.keys(SHORT_OF_PUBLIC_OUTPUTS).sort());
  });

  it('files every variant under a documented code', () => {
    const documented = new Set(documentedCodes());
    expect([...new Set(bundles.map((b) => b.code))].filter((c) => !documented.has(c))).toEqual([]);
  });
});
