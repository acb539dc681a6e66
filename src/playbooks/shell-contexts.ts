import { placeholders } from './template.js';

/**
 * Where a placeholder's value would be parsed as code a second time. renderTemplate single-quotes
 * each value for the shell that runs the command line; that quoting is gone by the time `eval`,
 * `sh -c`, `su -c`, `ssh host cmd`, `find -exec sh -c`, `watch`, a here-document, backticks or an
 * interpreter reading a pipe see the text, so a value like `$(reboot)` would run. The linter
 * refuses a placeholder in any of these places (and a playbook using one does not load):
 *
 * - after `eval`; in the script of `sh -c` (any shell, any option cluster holding `c`), or as the
 *   script file a shell, `source`/`.` or an interpreter runs; in the code of `su -c`, `runuser -c`,
 *   `flock -c`, `script -c`, `trap`, `watch`, `env -S`, `python -c`, `perl -e`, `ruby -e`,
 *   `node -e`, `php -r`, an `awk` program or a `sed` script; in the remote command of `ssh`;
 * - as the command itself, also behind `sudo`, `env`, `timeout`, `nice`, `nohup`, `exec`,
 *   `xargs`, `find -exec`, `docker exec`, `busybox` and the like (which are followed to the
 *   command they run, and checked by the same rules);
 * - in a here-document body (expanded without regard to quotes), inside backticks (whose end is
 *   found without regard to quotes), in arithmetic (`$((…))`, `((…))`, `let`, operands of
 *   `[[ … -eq … ]]`) and as a variable name of `declare`/`export`/`local`/`readonly`/`typeset`/
 *   `unset`/`read`/`printf -v` (bash evaluates `a[$(…)]` subscripts in all of these);
 * - upstream of a pipe, or in a here-string or `<` redirection, into a shell or interpreter that
 *   reads its code from stdin (`sh`, `bash -s`, `python`, `xargs sh -c …`);
 * - assigned to a variable (`x={{p}}`) that one of the places above expands (`eval "$x"`).
 *
 * `$(…)` is not among them: quotes nest inside it, so `$(docker inspect {{container}})` is safe; its
 * contents are checked by the same rules. The safe way to hand a value to a script is as an
 * argument: `sh -c '… "$1" …' sh {{name}}`.
 */
export interface Reinterpreted {
  /** Offset of the placeholder in the template. */
  index: number;
  why: string;
}

interface Word {
  start: number;
  end: number;
  /** The word as written. */
  raw: string;
  /** The word without quotes and backslashes, when it holds no expansion; else undefined. */
  literal: string | undefined;
  /** Variables the outer shell expands in this word (outside single quotes). */
  vars: string[];
}

interface Command {
  words: Word[];
  /** Targets of `<` (stdin) redirections and `<<<` here-strings. */
  stdin: Word[];
  /** This command starts a new pipeline (it follows `;`, `&&`, a newline...), not a `|`. */
  pipelineStart: boolean;
  /** Set by the checker: the command runs what it reads on stdin as code. */
  readsCode?: boolean;
}

interface Region {
  start: number;
  end: number;
  why: string;
}

interface Scan {
  commands: Command[];
  regions: Region[];
  end: number;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'posh', 'yash', 'fish', 'csh', 'tcsh']);
const RESERVED_THEN_COMMAND = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);
const RESERVED_DATA = new Set(['for', 'case', 'select', 'in', 'function', '}', 'fi', 'done', 'esac']);

/** Interpreters: options that take the code itself, options that take another argument, whether the first operand is program text. */
interface Interpreter {
  codeOpts: readonly string[];
  argOpts: readonly string[];
  /** awk and sed: the first operand is the program (unless -f / -e gave it). */
  programOperand?: boolean;
  /** Options that give the program from elsewhere, so that no operand is the program. */
  programFromOpts?: readonly string[];
}
const INTERPRETERS: Readonly<Record<string, Interpreter>> = {
  python: { codeOpts: ['-c'], argOpts: ['-m', '-W', '-X', '-Q'], programFromOpts: ['-m'] },
  python2: { codeOpts: ['-c'], argOpts: ['-m', '-W', '-X', '-Q'], programFromOpts: ['-m'] },
  python3: { codeOpts: ['-c'], argOpts: ['-m', '-W', '-X'], programFromOpts: ['-m'] },
  perl: { codeOpts: ['-e', '-E'], argOpts: ['-I', '-M', '-m'] },
  ruby: { codeOpts: ['-e'], argOpts: ['-I', '-r'] },
  node: { codeOpts: ['-e', '--eval', '-p', '--print'], argOpts: ['-r', '--require'] },
  nodejs: { codeOpts: ['-e', '--eval', '-p', '--print'], argOpts: ['-r', '--require'] },
  php: { codeOpts: ['-r'], argOpts: ['-c', '-d'] },
  awk: { codeOpts: [], argOpts: ['-f', '-v', '-F'], programOperand: true, programFromOpts: ['-f'] },
  gawk: { codeOpts: [], argOpts: ['-f', '-v', '-F', '-i'], programOperand: true, programFromOpts: ['-f'] },
  mawk: { codeOpts: [], argOpts: ['-f', '-v', '-F'], programOperand: true, programFromOpts: ['-f'] },
  nawk: { codeOpts: [], argOpts: ['-f', '-v', '-F'], programOperand: true, programFromOpts: ['-f'] },
  sed: { codeOpts: ['-e', '--expression'], argOpts: ['-f', '--file', '-l'], programOperand: true, programFromOpts: ['-e', '--expression', '-f', '--file'] },
};

/** Commands that run another command given as their operands: options taking a value, operands before the command. */
interface Wrapper {
  argOpts: string;
  longArgOpts?: readonly string[];
  operands?: number;
  assignments?: boolean;
}
const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  sudo: { argOpts: 'CDghpRrTtUu', longArgOpts: ['--user', '--group', '--host', '--prompt', '--close-from', '--chdir', '--role', '--type', '--other-user', '--command-timeout'] },
  doas: { argOpts: 'Cu' },
  env: { argOpts: 'uCS', longArgOpts: ['--unset', '--chdir', '--split-string'], assignments: true },
  nice: { argOpts: 'n', longArgOpts: ['--adjustment'] },
  nohup: { argOpts: '' },
  timeout: { argOpts: 'sk', longArgOpts: ['--signal', '--kill-after'], operands: 1 },
  stdbuf: { argOpts: 'ioe', longArgOpts: ['--input', '--output', '--error'] },
  exec: { argOpts: 'a' },
  command: { argOpts: '' },
  builtin: { argOpts: '' },
  time: { argOpts: 'fo', longArgOpts: ['--format', '--output'] },
  chroot: { argOpts: '', longArgOpts: ['--userspec', '--groups'], operands: 1 },
  setsid: { argOpts: '' },
  ionice: { argOpts: 'cnp', longArgOpts: ['--class', '--classdata', '--pid'] },
  taskset: { argOpts: '', operands: 1 },
  chrt: { argOpts: '', operands: 1 },
  nsenter: { argOpts: 'tSGw', longArgOpts: ['--target', '--setuid', '--setgid', '--wd'] },
  unshare: { argOpts: '' },
  busybox: { argOpts: '' },
  xargs: { argOpts: 'aEILnPsd', longArgOpts: ['--arg-file', '--delimiter', '--eof', '--replace', '--max-lines', '--max-args', '--max-procs', '--max-chars', '--process-slot-var'] },
};

/** Bash builtins whose operands name variables: `a[$(…)]` subscripts are evaluated. */
const NAMES_VARIABLES = new Set(['declare', 'typeset', 'local', 'export', 'readonly', 'unset', 'read']);
const ARITH_TEST = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);

const isSpace = (ch: string | undefined) => ch === ' ' || ch === '\t';

/** Offset just past the `)` that closes a `(` opened before `from`, skipping quotes. */
function matchParen(src: string, from: number): number {
  let depth = 1;
  for (let i = from; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\') i++;
    else if (ch === "'") i = src.indexOf("'", i + 1) === -1 ? src.length : src.indexOf("'", i + 1);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i + 1;
  }
  return src.length;
}

/** Offset just past the backtick closing one opened before `from` (quotes do not count, as in sh). */
function matchBacktick(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '`') return i + 1;
  }
  return src.length;
}

const REDIRECTION = /^(?:\d*(?:<<<|<<-|<<|<>|<&|<|>>|>&|>\||>)|&>>|&>)/;
const OPERATOR = /^(?:;;|;&|&&|\|\||\|&|[;&|()\n])/;
const VAR_REF = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/;

/**
 * A rough POSIX sh parse of `src` from `from`: simple commands with word offsets, stopping at the
 * `)` that closes a `$(` when `inSub`. Good enough to tell where a placeholder lands; it never runs anything.
 */
function scan(src: string, from: number, inSub: boolean, nested: Scan[]): Scan {
  const commands: Command[] = [];
  const regions: Region[] = [];
  let current: Command = { words: [], stdin: [], pipelineStart: true };
  const heredocs: { delimiter: string; stripTabs: boolean }[] = [];
  let pendingRedirect: string | undefined;
  const endCommand = (nextInPipe: boolean) => {
    if (current.words.length || current.stdin.length) commands.push(current);
    current = { words: [], stdin: [], pipelineStart: !nextInPipe };
  };
  let i = from;
  while (i < src.length) {
    const ch = src[i] as string;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (ch === '#') {
      const nl = src.indexOf('\n', i);
      i = nl === -1 ? src.length : nl;
      continue;
    }
    if (inSub && ch === ')') {
      endCommand(false);
      return { commands, regions, end: i + 1 };
    }
    if (ch === '(' && src[i + 1] === '(' && !current.words.length) {
      const end = matchParen(src, i + 1);
      regions.push({ start: i, end, why: 'is in arithmetic, which bash evaluates (a[$(…)] included)' });
      i = end;
      continue;
    }
    const redirect = REDIRECTION.exec(src.slice(i, i + 6));
    if (redirect) {
      pendingRedirect = redirect[0].replace(/^\d+/, '');
      i += redirect[0].length;
      continue;
    }
    const op = OPERATOR.exec(src.slice(i, i + 2));
    if (op) {
      endCommand(op[0] === '|' || op[0] === '|&');
      i += op[0].length;
      if (op[0] === '\n') {
        for (const doc of heredocs.splice(0)) {
          const bodyStart = i;
          let lineStart = i;
          for (;;) {
            const nl = src.indexOf('\n', lineStart);
            const line = src.slice(lineStart, nl === -1 ? src.length : nl);
            if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter || nl === -1) {
              regions.push({ start: bodyStart, end: lineStart, why: 'is in a here-document, whose body the shell expands ($(…), `…`) whatever its quotes' });
              i = nl === -1 ? src.length : nl + 1;
              break;
            }
            lineStart = nl + 1;
          }
        }
      }
      continue;
    }
    // a word
    const start = i;
    let literal: string | undefined = '';
    const vars: string[] = [];
    while (i < src.length) {
      const c = src[i] as string;
      if (isSpace(c) || c === '\n' || c === ';' || c === '&' || c === '|' || c === '<' || c === '>' || c === '(' || c === ')') break;
      if (c === '\\') {
        if (literal !== undefined) literal += src[i + 1] ?? '';
        i += 2;
      } else if (c === "'") {
        const close = src.indexOf("'", i + 1);
        const end = close === -1 ? src.length : close;
        if (literal !== undefined) literal += src.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < src.length && src[i] !== '"') {
          if (src[i] === '\\') {
            if (literal !== undefined) literal += src[i + 1] ?? '';
            i += 2;
          } else if (src[i] === '$' || src[i] === '`') {
            literal = undefined;
            i = expansion(i);
          } else {
            if (literal !== undefined) literal += src[i];
            i++;
          }
        }
        i++;
      } else if (c === '$' || c === '`') {
        literal = undefined;
        i = expansion(i);
      } else {
        if (literal !== undefined) literal += c;
        i++;
      }
    }
    const end = Math.min(i, src.length);
    const word: Word = { start, end, raw: src.slice(start, end), literal, vars };
    if (pendingRedirect) {
      if (pendingRedirect === '<<' || pendingRedirect === '<<-') heredocs.push({ delimiter: literal ?? word.raw, stripTabs: pendingRedirect === '<<-' });
      else if (pendingRedirect === '<' || pendingRedirect === '<<<') current.stdin.push(word);
      pendingRedirect = undefined;
    } else {
      current.words.push(word);
    }

    /** Skips one `$…` or backtick expansion starting at `at`, noting variables and nested commands. */
    function expansion(at: number): number {
      if (src[at] === '`') {
        const end = matchBacktick(src, at + 1);
        regions.push({ start: at, end, why: 'is inside backticks, whose end the shell finds without regard to quotes' });
        return end;
      }
      if (src.startsWith('$((', at)) {
        const end = matchParen(src, at + 2);
        regions.push({ start: at, end, why: 'is in arithmetic, which bash evaluates (a[$(…)] included)' });
        return end;
      }
      if (src.startsWith('$(', at)) {
        const sub = scan(src, at + 2, true, nested);
        nested.push(sub);
        return sub.end;
      }
      const ref = VAR_REF.exec(src.slice(at, at + 256));
      if (ref) {
        vars.push((ref[1] ?? ref[2]) as string);
        return ref[1] !== undefined ? Math.max(src.indexOf('}', at), at + 1) + 1 : at + ref[0].length;
      }
      return at + 1;
    }
  }
  endCommand(false);
  return { commands, regions, end: src.length };
}

const baseName = (word: Word | undefined) => word?.literal?.slice(word.literal.lastIndexOf('/') + 1);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** Rules applied to one simple command: which of its words are code, and whether it reads code from stdin. */
class Checker {
  readonly found: { start: number; end: number; why: string }[] = [];
  /** Variables assigned from words holding a placeholder, with the word they were assigned from. */
  readonly tainted = new Map<string, Word[]>();
  /** Words whose text is code, and why, for the variable check. */
  readonly codeWords: { word: Word; why: string }[] = [];

  private code(word: Word | undefined, why: string): void {
    if (!word) return;
    this.found.push({ start: word.start, end: word.end, why });
    this.codeWords.push({ word, why });
  }

  /** Checks `words` from `at` as a command; true when it reads code from stdin. */
  command(words: readonly Word[], at: number): boolean {
    let i = at;
    // assignments before the command
    for (let m = ASSIGNMENT.exec(words[i]?.raw ?? ''); m; m = ASSIGNMENT.exec(words[++i]?.raw ?? '')) this.assigned(m[1] as string, words[i] as Word);
    const head = words[i];
    if (!head) return false;
    const name = baseName(head);
    if (name && RESERVED_DATA.has(name)) return false;
    if (name && RESERVED_THEN_COMMAND.has(name)) return this.command(words, i + 1);
    // whatever the head is, a value in it chooses the program
    this.code(head, 'is the command to run');
    if (!name) return false;
    const args = words.slice(i + 1);
    const operandsAfter = (from: number) => {
      let k = from;
      while (k < args.length && args[k]?.literal?.startsWith('-') && args[k]?.literal !== '-') {
        if (args[k]?.literal === '--') return k + 1;
        k++;
      }
      return k;
    };
    if (name === 'eval') {
      for (const w of args) this.code(w, 'follows `eval`, which parses its arguments as shell code again');
      return false;
    }
    if (SHELLS.has(name)) return this.shell(name, args);
    const interpreter = Object.hasOwn(INTERPRETERS, name) ? INTERPRETERS[name] : undefined;
    if (interpreter) return this.interpreter(name, interpreter, args);
    if (name === 'source' || name === '.') {
      this.code(args[operandsAfter(0)], `names the file \`${name}\` runs as shell code`);
      return false;
    }
    if (name === 'trap') {
      this.code(args[operandsAfter(0)], 'is in the code `trap` runs');
      return false;
    }
    if (name === 'watch') {
      for (const w of args.slice(this.skipOptions(args, 0, { argOpts: 'nd', longArgOpts: ['--interval', '--differences'] }))) this.code(w, 'is in the command `watch` hands to `sh -c`');
      return false;
    }
    if (name === 'su' || name === 'runuser' || name === 'script' || name === 'flock') return this.dashC(name, args);
    if (name === 'ssh') {
      const k = this.sshDestination(args);
      for (const w of args.slice(k + 1)) this.code(w, 'is in the command `ssh` runs on the remote host, whose shell parses it again');
      return false;
    }
    if (name === 'find') {
      this.findExec(args);
      return false;
    }
    if (name === 'docker' || name === 'podman') {
      if (args[0]?.literal !== 'exec') return false;
      const k = this.skipOptions(args, 1, { argOpts: 'euw', longArgOpts: ['--env', '--env-file', '--user', '--workdir', '--detach-keys'] });
      return this.command(args, k + 1);
    }
    if (name === 'kubectl') {
      const dashes = args.findIndex((w) => w.literal === '--');
      return args[0]?.literal === 'exec' && dashes !== -1 ? this.command(args, dashes + 1) : false;
    }
    if (name === 'let') {
      for (const w of args) this.code(w, 'is in arithmetic, which bash evaluates (a[$(…)] included)');
      return false;
    }
    if (name === '[[') {
      args.forEach((w, k) => {
        if (ARITH_TEST.has(args[k + 1]?.literal ?? '') || ARITH_TEST.has(args[k - 1]?.literal ?? '')) {
          this.code(w, 'is an operand of an arithmetic test in `[[ ]]`, which bash evaluates (a[$(…)] included)');
        }
      });
      return false;
    }
    if (NAMES_VARIABLES.has(name) || name === 'printf') {
      this.variableNames(name, args);
      return false;
    }
    const wrapper = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined;
    if (wrapper) {
      if (name === 'env') {
        args.forEach((w, k) => {
          if (args[k - 1]?.literal === '-S' || args[k - 1]?.literal === '--split-string' || /^(?:-S.|--split-string=)/.test(w.literal ?? '')) {
            this.code(w, 'is split into a command line by `env -S`');
          }
        });
      }
      let k = this.skipOptions(args, 0, wrapper);
      if (wrapper.assignments) while (k < args.length && ASSIGNMENT.test(args[k]?.raw ?? '')) k++;
      k += wrapper.operands ?? 0;
      const reads = this.command(args, k);
      // xargs makes its input the arguments of the command it runs: into a shell or eval, that is code
      if (name === 'xargs') {
        const inner = baseName(args[k]);
        return inner !== undefined && (SHELLS.has(inner) || inner === 'eval' || Object.hasOwn(INTERPRETERS, inner));
      }
      return reads;
    }
    return false;
  }

  private assigned(variable: string, word: Word): void {
    this.tainted.set(variable, [...(this.tainted.get(variable) ?? []), word]);
  }

  /** Index of the first operand after options (`--` ends them), skipping option values. */
  private skipOptions(args: readonly Word[], from: number, spec: Wrapper): number {
    let k = from;
    while (k < args.length) {
      const text = args[k]?.literal;
      if (text === undefined || !text.startsWith('-') || text === '-') break;
      if (text === '--') return k + 1;
      if (text.startsWith('--')) {
        k += spec.longArgOpts?.includes(text) ? 2 : 1;
        continue;
      }
      // a cluster: the first letter that takes a value takes the rest, or the next word
      let takesNext = false;
      for (let c = 1; c < text.length; c++) {
        if (spec.argOpts.includes(text[c] as string)) {
          takesNext = c === text.length - 1;
          break;
        }
      }
      k += takesNext ? 2 : 1;
    }
    return k;
  }

  private shell(name: string, args: readonly Word[]): boolean {
    let hasC = false;
    let readsStdin = false;
    let k = 0;
    while (k < args.length) {
      const text = args[k]?.literal;
      if (text === undefined || !/^[-+]./.test(text)) break;
      if (text === '--' || text === '-') {
        k++;
        break;
      }
      if (text.startsWith('--')) {
        k += ['--rcfile', '--init-file'].includes(text) ? 2 : 1;
        continue;
      }
      if (text.includes('c')) hasC = true;
      if (text.includes('s')) readsStdin = true;
      k += /[oO]/.test(text) ? 2 : 1;
    }
    if (hasC) {
      this.code(args[k], `is in the script of \`${name} -c\`, which the shell parses again`);
      return false;
    }
    if (args[k]) {
      this.code(args[k], `names the script file \`${name}\` runs`);
      return readsStdin;
    }
    return true;
  }

  private interpreter(name: string, spec: Interpreter, args: readonly Word[]): boolean {
    let k = 0;
    let program = false;
    while (k < args.length) {
      const text = args[k]?.literal;
      if (text === undefined || !text.startsWith('-') || text === '-') break;
      if (text === '--') {
        k++;
        break;
      }
      // -e CODE, -eCODE, a cluster ending in the letter (perl -ne CODE), --eval CODE, --eval=CODE
      const letter = /^-[A-Za-z]+$/.test(text) ? [...text.slice(1)].findIndex((l) => spec.codeOpts.includes(`-${l}`)) : -1;
      const long = spec.codeOpts.find((o) => o.startsWith('--') && (text === o || text.startsWith(`${o}=`)));
      if (letter >= 0 || long) {
        const opt = long ?? `-${text[letter + 1] as string}`;
        const next = long ? text === long : letter === text.length - 2;
        program = true;
        this.code(next ? args[k + 1] : args[k], `is in the code \`${name} ${opt}\` runs`);
        k += next ? 2 : 1;
        continue;
      }
      if (spec.programFromOpts?.some((o) => text === o || text.startsWith(`${o}=`))) program = true;
      k += spec.argOpts.includes(text) ? 2 : 1;
    }
    if (program) return false;
    if (spec.programOperand && args[k]) {
      this.code(args[k], `is in the program \`${name}\` runs`);
      return false;
    }
    if (args[k]) {
      this.code(args[k], `names the script file \`${name}\` runs`);
      return false;
    }
    return true;
  }

  /** su, runuser, script, flock: `-c CMD` / `--command CMD` / `--command=CMD` is shell code; flock without -c runs a command. */
  private dashC(name: string, args: readonly Word[]): boolean {
    let sawC = false;
    // options end at `--`: a -c after it belongs to the command run (runuser -u app -- sh -c …)
    const dashes = args.findIndex((w) => w.literal === '--');
    const options = dashes === -1 ? args : args.slice(0, dashes);
    options.forEach((w, k) => {
      const prev = options[k - 1]?.literal ?? '';
      if (/^-[A-Za-z]*c$/.test(prev) || prev === '--command') {
        sawC = true;
        this.code(w, `is in the command \`${name} -c\` hands to a shell`);
      } else if (/^(?:-c.|--command=)/.test(w.literal ?? '')) {
        sawC = true;
        this.code(w, `is in the command \`${name} -c\` hands to a shell`);
      }
    });
    if (name === 'flock' && !sawC) {
      const k = this.skipOptions(args, 0, { argOpts: 'wEn', longArgOpts: ['--timeout', '--conflict-exit-code'] });
      return this.command(args, k + 1);
    }
    if (name === 'runuser' && !sawC) {
      return this.command(args, this.skipOptions(args, 0, { argOpts: 'ugGsw', longArgOpts: ['--user', '--group', '--supp-group', '--shell', '--whitelist-environment'] }));
    }
    return false;
  }

  private sshDestination(args: readonly Word[]): number {
    return this.skipOptions(args, 0, { argOpts: 'BbcDEeFIiJLlmOopQRSWw' });
  }

  private findExec(args: readonly Word[]): void {
    for (let k = 0; k < args.length; k++) {
      if (!['-exec', '-execdir', '-ok', '-okdir'].includes(args[k]?.literal ?? '')) continue;
      let end = k + 1;
      while (end < args.length && args[end]?.literal !== ';' && args[end]?.literal !== '+') end++;
      this.command(args.slice(k + 1, end), 0);
      k = end;
    }
  }

  private variableNames(name: string, args: readonly Word[]): void {
    const why = `names a variable of \`${name}\`, whose subscript bash evaluates (a[$(…)])`;
    if (name === 'printf') {
      args.forEach((w, k) => {
        if (args[k - 1]?.literal === '-v') this.code(w, why);
      });
      return;
    }
    for (const w of args) {
      if (w.literal?.startsWith('-')) continue;
      // NAME=value: the value is data (kept for the variable check), the name is not
      const assignment = ASSIGNMENT.exec(w.raw);
      if (assignment) this.assigned(assignment[1] as string, w);
      this.found.push({ start: w.start, end: assignment ? w.start + (assignment[1] as string).length : w.end, why });
    }
  }
}

/** Every placeholder of `template` that would be parsed as code a second time, with why. */
export function reinterpretedPlaceholders(template: string): Reinterpreted[] {
  const nested: Scan[] = [];
  const top = scan(template, 0, false, nested);
  const checker = new Checker();
  const regions: Region[] = [];
  for (const part of [top, ...nested]) {
    regions.push(...part.regions);
    let pipeline: Command[] = [];
    const flush = () => {
      // placeholders upstream of a stage that runs its stdin as code
      pipeline.forEach((cmd, k) => {
        if (!cmd.readsCode) return;
        const name = baseName(cmd.words.find((w) => !ASSIGNMENT.test(w.raw))) ?? 'the next command';
        for (const upstream of pipeline.slice(0, k)) {
          for (const w of [...upstream.words, ...upstream.stdin]) checker.found.push({ start: w.start, end: w.end, why: `is piped into \`${name}\`, which runs what it reads as code` });
        }
        for (const w of cmd.stdin) checker.found.push({ start: w.start, end: w.end, why: `is fed to \`${name}\` on stdin, which it runs as code` });
      });
      pipeline = [];
    };
    for (const cmd of part.commands) {
      if (cmd.pipelineStart) flush();
      cmd.readsCode = checker.command(cmd.words, 0);
      pipeline.push(cmd);
    }
    flush();
  }
  const found: Reinterpreted[] = [];
  for (const { index } of placeholders(template)) {
    const hit = [...regions, ...checker.found].find((r) => index >= r.start && index < r.end);
    if (hit) {
      found.push({ index, why: hit.why });
      continue;
    }
    // assigned to a variable that a code word expands
    for (const [variable, words] of checker.tainted) {
      if (!words.some((word) => index >= word.start && index < word.end)) continue;
      const use = checker.codeWords.find((c) => c.word.vars.includes(variable));
      if (use) {
        found.push({ index, why: `is assigned to $${variable}, which then ${use.why}` });
        break;
      }
    }
  }
  return found;
}
