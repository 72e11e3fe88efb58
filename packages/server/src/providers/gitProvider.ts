import { execFile } from 'node:child_process';
import { mkdir, open, realpath, rm } from 'node:fs/promises';
import { devNull } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GitScheme } from '../config/serverConfig.js';
import { sha256Hex } from '../ingest/digest.js';
import { resolveInsideDataRoots } from './dataRoots.js';
import { compilePathGlob, pathGlobProblem } from './pathGlob.js';
import { ProviderError } from './ProviderError.js';
import { isSecretReference, type SecretResolver } from './secretRefs.js';
import { hasControlCharacter, optionalBoolean, optionalString, parseDurationSeconds } from './sourceProperties.js';
import type { FetchContext, FetchedDocument, FetchResult, Provider, ProviderRequest, SourceLocation } from './types.js';

/** 04 §15: more matched files than this fails the refresh instead of loading a huge repository. */
export const MAX_GIT_FILES = 1000;

const DEFAULT_BRANCH = 'main';
const DEFAULT_PATH_GLOB = '**/*.yaml';
/** Enough for `ls-tree` of a large repository (about 100 bytes a file); everything else prints a few lines. */
const GIT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const REDACTED = '***REDACTED***';

/** One git invocation: `git <args>` in `cwd` with exactly `env` (nothing inherited). */
export interface GitCommand {
  args: readonly string[];
  cwd?: string;
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/** Runs git; rejects with a GitCommandError. Replaceable so tests can observe every argument list and environment. */
export type GitRunner = (command: GitCommand) => Promise<{ stdout: string; stderr: string }>;

export class GitCommandError extends Error {
  constructor(
    readonly reason: 'timeout' | 'not-installed' | 'exit',
    /** git's standard error, possibly naming the repository URL; never shown without redaction. */
    readonly stderr: string,
  ) {
    super(`git command failed (${reason})`);
    this.name = 'GitCommandError';
  }
}

/** The production runner: `execFile` (no shell), killed with SIGKILL when the timeout expires. */
export const execFileGitRunner: GitRunner = ({ args, cwd, env, timeoutMs }) =>
  new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      args,
      { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: GIT_MAX_OUTPUT_BYTES, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) {
          resolvePromise({ stdout, stderr });
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (failure.code === 'ENOENT') reject(new GitCommandError('not-installed', ''));
        else if (failure.killed === true && failure.signal === 'SIGKILL') reject(new GitCommandError('timeout', stderr));
        else reject(new GitCommandError('exit', stderr || failure.message));
      },
    );
  });

export interface GitProviderOptions {
  fetchContext: FetchContext;
  /** `<data-dir>/git`, or a temporary directory when the data directory is `memory://`. */
  workDir: string;
  /** `CATALOG_GIT_ALLOWED_SCHEMES`. */
  allowedSchemes: readonly GitScheme[];
  /** `CATALOG_GIT_TIMEOUT_SECONDS`: the bound of one git command unless the source sets `timeout`. */
  timeoutSeconds: number;
  resolveSecret: SecretResolver;
  runGit?: GitRunner;
}

/** The checked properties of one git source (04 §14.2). */
export interface GitSourceSettings {
  /** What git is given: the configured URL, or the `file://` URL of the resolved repository directory. */
  gitUrl: string;
  /** The repository as configured (credentials are refused, so it has none): provenance `uri` and error messages. */
  uri: string;
  scheme: GitScheme;
  branch: string;
  revision?: string;
  pathGlob: string;
  pathPattern: RegExp;
  /** Unresolved: a plain string or a secret reference, resolved at every refresh. */
  authToken?: unknown;
  shallowClone: boolean;
  timeoutSeconds: number;
}

/**
 * Checks the properties of a git source without contacting the repository (04 §6 `provider` layer)
 * and returns them normalized. Throws a ProviderError with the messages of 04 §14.2.
 */
export async function resolveGitSettings(
  properties: Record<string, unknown>,
  options: { fetchContext: FetchContext; allowedSchemes: readonly GitScheme[]; timeoutSeconds: number },
): Promise<GitSourceSettings> {
  const repoUrl = optionalString(properties, 'repoUrl')?.trim();
  if (repoUrl === undefined || repoUrl === '') throw new ProviderError('repoUrl is required');
  const repository = await resolveRepository(repoUrl, options.fetchContext, options.allowedSchemes);

  const branch = optionalString(properties, 'branch') ?? DEFAULT_BRANCH;
  if (!isValidRefName(branch)) throw new ProviderError(`branch "${branch}" is not a valid branch name`);
  const revision = optionalString(properties, 'revision');
  if (revision !== undefined && !isValidRefName(revision)) {
    throw new ProviderError(`revision "${revision}" is not a valid commit SHA or tag name`);
  }

  const pathGlob = optionalString(properties, 'path') ?? DEFAULT_PATH_GLOB;
  const globProblem = pathGlobProblem(pathGlob);
  if (globProblem !== undefined) throw new ProviderError(globProblem);

  const authToken = properties.authToken ?? undefined;
  if (authToken !== undefined && typeof authToken !== 'string' && !isSecretReference(authToken)) {
    throw new ProviderError('properties.authToken must be a string or a secret reference');
  }

  let timeoutSeconds = options.timeoutSeconds;
  if (properties.timeout !== undefined && properties.timeout !== null) {
    const parsed = parseDurationSeconds(properties.timeout);
    if (parsed === undefined || parsed < 1) throw new ProviderError(`invalid duration "${String(properties.timeout)}" for timeout`);
    timeoutSeconds = parsed;
  }

  return {
    ...repository,
    branch,
    ...(revision !== undefined && { revision }),
    pathGlob,
    pathPattern: compilePathGlob(pathGlob),
    ...(authToken !== undefined && { authToken }),
    shallowClone: optionalBoolean(properties, 'shallowClone') ?? true,
    timeoutSeconds,
  };
}

/**
 * The `git` provider (02 §2.7, 04 §14.2): every file matching `path` in a repository at the head of
 * a branch or at a pinned revision, read from a fresh clone that is removed afterwards.
 */
export function createGitProvider(options: GitProviderOptions): Provider {
  const runGit = options.runGit ?? execFileGitRunner;
  return {
    type: 'git',
    fetch: async (request) => {
      const settings = await resolveGitSettings(request.source.properties, options);
      const token = await resolveToken(settings, request.location, options.resolveSecret);
      const git = new Git(runGit, settings, options.allowedSchemes, token);
      return fetchRepository(git, settings, request, options);
    },
  };
}

async function fetchRepository(git: Git, settings: GitSourceSettings, request: ProviderRequest, options: GitProviderOptions): Promise<FetchResult> {
  const previousCommit = typeof request.previousState?.commit === 'string' ? request.previousState.commit : undefined;
  const isUnchanged = (commit: string) => !request.force && commit === previousCommit;

  // Cheap check first (04 §13.10): a pinned full SHA needs no git at all, a branch or tag one `ls-remote`.
  const target = await resolveTarget(git, settings);
  if (target.commit !== undefined && isUnchanged(target.commit)) return { unchanged: true };

  const dir = workingCopyPath(options.workDir, request.location);
  // Always a fresh clone: a working copy left by a crash or an earlier configuration must not leak into this one.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const commit = await checkout(git, settings, target, dir);
    // An abbreviated SHA is only known after fetching.
    if (isUnchanged(commit)) return { unchanged: true };
    return { ...(await readMatchingFiles(git, settings, dir, commit, options.fetchContext.maxBytes)), state: { commit } };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Repository URL

async function resolveRepository(
  repoUrl: string,
  ctx: FetchContext,
  allowedSchemes: readonly GitScheme[],
): Promise<Pick<GitSourceSettings, 'gitUrl' | 'uri' | 'scheme'>> {
  // git would read a leading `-` as an option; `--` guards the command line, this guards every other use.
  if (repoUrl.startsWith('-')) throw new ProviderError('repoUrl must not start with "-"');
  if (/\s/.test(repoUrl) || hasControlCharacter(repoUrl)) throw new ProviderError('repoUrl must not contain whitespace or control characters');

  const scheme = repositoryScheme(repoUrl);
  if (!(allowedSchemes as readonly string[]).includes(scheme)) {
    throw new ProviderError(`URL scheme "${scheme}" is not allowed (allowed: ${allowedSchemes.join(', ')})`);
  }
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(repoUrl);
  if (!isUrl) return fileRepository(repoUrl, repoUrl, ctx);

  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    throw new ProviderError('repoUrl is not a valid URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ProviderError('repoUrl must not contain credentials; use authToken with a secret reference');
  }
  if (scheme === 'file') {
    if (url.host !== '' && url.host !== 'localhost') throw new ProviderError('file repoUrl must name a local path (file:///path)');
    return fileRepository(fileURLToPath(url), repoUrl, ctx);
  }
  if (url.hostname === '') throw new ProviderError('repoUrl is not a valid URL');
  return { gitUrl: repoUrl, uri: repoUrl, scheme: scheme as GitScheme };
}

/**
 * The transport git would use for this string. Besides `<scheme>://`, git reads `<helper>::<address>`
 * as a remote helper (`ext::` runs commands) and `host:path` as SSH; naming those keeps them from
 * being mistaken for file paths and reports them as the disallowed schemes they are.
 */
function repositoryScheme(repoUrl: string): string {
  const url = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repoUrl);
  if (url !== null) return url[1].toLowerCase();
  const helper = /^([a-z][a-z0-9+.-]*)::/i.exec(repoUrl);
  if (helper !== null) return helper[1].toLowerCase();
  const colon = repoUrl.indexOf(':');
  const slash = repoUrl.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) return 'ssh';
  return 'file';
}

/** A local repository: resolved against the base directory and through symlinks, and inside a data root (04 §15). */
async function fileRepository(path: string, configured: string, ctx: FetchContext): Promise<Pick<GitSourceSettings, 'gitUrl' | 'uri' | 'scheme'>> {
  const real = await resolveInsideDataRoots(ctx.baseDir, path, ctx.dataRoots);
  // A file:// URL (not a bare path) makes git use its transport, so `--depth` and the protocol allow-list apply.
  return { gitUrl: pathToFileURL(real).href, uri: configured, scheme: 'file' };
}

/**
 * The rules of `git check-ref-format --branch`, checked in process so validation starts no process:
 * no component starting with `.` or ending with `.lock`, no `..`, `@{`, `//`, control characters,
 * space, `~^:?*[\`, no leading `-` or `/`, no trailing `/` or `.`, not `@`.
 */
export function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//') || /[ ~^:?*[\\]/.test(name) || hasControlCharacter(name)) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

function workingCopyPath(workDir: string, location: SourceLocation): string {
  for (const segment of [location.namespace, location.plugin, location.sourceId]) {
    // Source ids and names are validated upstream; this keeps a bad one from escaping the work directory.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(segment)) throw new ProviderError(`cannot create a working copy for "${segment}"`);
  }
  return join(workDir, location.namespace, location.plugin, location.sourceId);
}

// ---------------------------------------------------------------------------------------------
// Running git

async function resolveToken(settings: GitSourceSettings, location: SourceLocation, resolveSecret: SecretResolver): Promise<string | undefined> {
  // A local repository has no transport to send a token over.
  if (settings.authToken === undefined || settings.scheme === 'file') return undefined;
  const token = await resolveSecret(settings.authToken, { property: 'authToken', namespace: location.namespace });
  if (hasControlCharacter(token)) throw new ProviderError('authToken must not contain control characters');
  return token === '' ? undefined : token;
}

/** Environment variables passed through to git: how to find programs, proxies and CA bundles; nothing else of the server. */
const PASSED_ENVIRONMENT = [
  'PATH', 'SYSTEMROOT', 'TMPDIR',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy',
  'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];

/** git bound to one source: its URL, allowed transports, token and timeout. */
class Git {
  private readonly env: Record<string, string>;
  private readonly secrets: string[];

  constructor(
    private readonly runGit: GitRunner,
    private readonly settings: GitSourceSettings,
    allowedSchemes: readonly GitScheme[],
    token: string | undefined,
  ) {
    const config: [string, string][] = [['protocol.allow', 'never'], ...allowedSchemes.map((s): [string, string] => [`protocol.${s}.allow`, 'always'])];
    this.secrets = [];
    if (token !== undefined) {
      const basic = Buffer.from(`git:${token}`).toString('base64');
      // Scoped to the repository's origin so a redirect to another host does not carry the token along.
      const origin = new URL(settings.gitUrl);
      config.push([`http.${origin.protocol}//${origin.host}/.extraHeader`, `Authorization: Basic ${basic}`]);
      this.secrets.push(basic, token, encodeURIComponent(token));
    }
    this.env = {};
    for (const name of PASSED_ENVIRONMENT) {
      const value = process.env[name];
      if (value !== undefined) this.env[name] = value;
    }
    Object.assign(this.env, {
      // Never wait for a password on a terminal; fail instead.
      GIT_TERMINAL_PROMPT: '0',
      // The host's git configuration (credential helpers, `insteadOf` rewrites, hooks) must not apply to sources.
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: devNull,
      GIT_ALLOW_PROTOCOL: allowedSchemes.join(':'),
      // Messages in English, so error texts are the same on every host.
      LC_ALL: 'C',
      // Configuration through the environment: values (the token) stay out of the argument list and off disk.
      GIT_CONFIG_COUNT: String(config.length),
    });
    config.forEach(([key, value], index) => {
      this.env[`GIT_CONFIG_KEY_${index}`] = key;
      this.env[`GIT_CONFIG_VALUE_${index}`] = value;
    });
  }

  get url(): string {
    return this.settings.gitUrl;
  }

  async run(operation: string, args: readonly string[], cwd?: string): Promise<string> {
    try {
      const { stdout } = await this.runGit({ args, cwd, env: this.env, timeoutMs: this.settings.timeoutSeconds * 1000 });
      return stdout;
    } catch (error) {
      throw this.describe(operation, error);
    }
  }

  private describe(operation: string, error: unknown): GitFailure {
    const where = `git ${operation} of ${this.settings.uri}`;
    if (!(error instanceof GitCommandError)) return new GitFailure(`${where} failed`, false);
    switch (error.reason) {
      case 'not-installed':
        return new GitFailure('git is not installed (the git executable was not found on PATH)', false);
      case 'timeout':
        return new GitFailure(`${where} timed out after ${this.settings.timeoutSeconds} s`, true);
      case 'exit':
        return new GitFailure(this.redact(`${where} failed: ${summarize(error.stderr)}`), false);
    }
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret !== '') out = out.split(secret).join(REDACTED);
    return out;
  }
}

/** A failed git command, described for the source status (token redacted). */
class GitFailure extends ProviderError {
  constructor(message: string, readonly timedOut: boolean) {
    super(message);
  }
}

/** git's `fatal:`/`error:` lines (or its last line), short enough for a status field. */
function summarize(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const important = lines.filter((l) => /^(fatal|error):/i.test(l)).map((l) => l.replace(/^(fatal|error):\s*/i, ''));
  const text = (important.length > 0 ? important : lines.slice(-1)).join('; ') || 'unknown error';
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Target commit and checkout

type Target =
  | { kind: 'branch'; commit: string }
  | { kind: 'tag'; commit: string; ref: string }
  | { kind: 'commit'; commit: string }
  | { kind: 'abbreviated'; commit?: undefined };

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const ABBREVIATED_SHA = /^[0-9a-f]{4,63}$/i;

async function resolveTarget(git: Git, settings: GitSourceSettings): Promise<Target> {
  const { revision } = settings;
  if (revision === undefined) {
    const ref = `refs/heads/${settings.branch}`;
    const commit = (await lsRemote(git, [ref])).get(ref);
    if (commit === undefined) throw new ProviderError(`branch "${settings.branch}" not found in ${settings.uri}`);
    return { kind: 'branch', commit };
  }
  if (FULL_SHA.test(revision)) return { kind: 'commit', commit: revision.toLowerCase() };
  const ref = `refs/tags/${revision}`;
  const refs = await lsRemote(git, [ref, `${ref}^{}`]);
  // An annotated tag is listed twice: the tag object, and the commit it points to under `^{}`.
  const commit = refs.get(`${ref}^{}`) ?? refs.get(ref);
  if (commit !== undefined) return { kind: 'tag', commit, ref };
  if (ABBREVIATED_SHA.test(revision)) return { kind: 'abbreviated' };
  throw new ProviderError(`revision "${revision}" not found in ${settings.uri}`);
}

async function lsRemote(git: Git, patterns: string[]): Promise<Map<string, string>> {
  const out = await git.run('ls-remote', ['ls-remote', '--', git.url, ...patterns]);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, name] = line.split('\t');
    // Patterns match ref name tails, so `refs/heads/main` also lists `refs/heads/x/refs/heads/main`; keep exact names only.
    if (sha && name && patterns.includes(name)) refs.set(name, sha.trim());
  }
  return refs;
}

/** Fills `dir` with the target's files and returns the commit actually checked out. */
async function checkout(git: Git, settings: GitSourceSettings, target: Target, dir: string): Promise<string> {
  const depth = settings.shallowClone ? ['--depth', '1'] : [];
  // `--template=` leaves out the host's template directory, which could install hooks.
  if (target.kind === 'branch') {
    await git.run('clone', [
      'clone', '--quiet', '--template=', '--no-tags', '--single-branch', `--branch=${settings.branch}`, '--no-recurse-submodules',
      ...depth, '--', git.url, dir,
    ]);
  } else {
    await git.run('init', ['init', '--quiet', '--template=', dir]);
    const fetch = (what: string[], shallow: boolean) =>
      git.run('fetch', ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', ...(shallow ? depth : []), '--', git.url, ...what], dir);
    // Everything reachable, for revisions the server cannot be asked for directly.
    const fetchAll = () => fetch(['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'], false);
    let commit: string;
    if (target.kind === 'tag') {
      await fetch([`+${target.ref}:${target.ref}`], true);
      commit = target.commit;
    } else if (target.kind === 'commit') {
      // Servers that refuse unadvertised objects (`uploadpack.allowReachableSHA1InWant` off) need the full history.
      await fetch([target.commit], true).catch((error: unknown) => {
        if (error instanceof GitFailure && error.timedOut) throw error;
        return fetchAll();
      });
      commit = target.commit;
    } else {
      await fetchAll();
      commit = await git
        .run('rev-parse', ['rev-parse', '--verify', '--quiet', `${settings.revision}^{commit}`], dir)
        .then((out) => out.trim())
        .catch(() => {
          throw new ProviderError(`revision "${settings.revision}" not found in ${settings.uri}`);
        });
    }
    await git.run('checkout', ['checkout', '--quiet', '--detach', commit], dir).catch((error: unknown) => {
      if (target.kind === 'commit') throw new ProviderError(`revision "${settings.revision}" not found in ${settings.uri}`);
      throw error;
    });
  }
  return (await git.run('rev-parse', ['rev-parse', 'HEAD'], dir)).trim();
}

// ---------------------------------------------------------------------------------------------
// Reading files

type ReadResult = Extract<FetchResult, { documents: FetchedDocument[] }>;

async function readMatchingFiles(git: Git, settings: GitSourceSettings, dir: string, commit: string, maxBytes: number): Promise<ReadResult> {
  // The tree of the commit, not a directory walk: only tracked files count, and `.git` is never a candidate.
  const listing = await git.run('ls-tree', ['ls-tree', '-r', '-z', '--full-tree', 'HEAD'], dir);
  const matched: { path: string; mode: string }[] = [];
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type] = entry.slice(0, tab).split(' ');
    const path = entry.slice(tab + 1);
    // Submodules (`commit` entries) are not cloned, so they have no files to read.
    if (type !== 'blob' || !settings.pathPattern.test(path)) continue;
    matched.push({ path, mode });
  }
  if (matched.length > MAX_GIT_FILES) throw new ProviderError(`path matches more than ${MAX_GIT_FILES} files`);
  matched.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));

  const root = await realpath(dir);
  const fetchedAt = new Date().toISOString();
  const documents: FetchedDocument[] = [];
  const failedDocuments: { file: string; message: string }[] = [];
  for (const { path, mode } of matched) {
    const read = await readRepositoryFile(root, path, mode === '120000', maxBytes);
    if (typeof read === 'string') {
      failedDocuments.push({ file: path, message: read });
      continue;
    }
    const digest = sha256Hex(read);
    documents.push({
      file: path,
      text: read.toString('utf8'),
      digest,
      provenance: {
        type: 'git', uri: settings.uri,
        // A pinned source ignores `branch`, so naming one would misstate where the content came from.
        branch: settings.revision === undefined ? settings.branch : null,
        commit, path, digest: `sha256:${digest}`, fetchedAt,
      },
    });
  }

  if (documents.length === 0) {
    // 02 §2.4: a multi-file source fails when no file can be loaded; an empty match is almost always a wrong `path`.
    if (failedDocuments.length === 0) throw new ProviderError(`path "${settings.pathGlob}" matches no files at commit ${commit}`);
    const more = failedDocuments.length > 1 ? ` (and ${failedDocuments.length - 1} more)` : '';
    throw new ProviderError(`no matched file could be read: ${failedDocuments[0].message}${more}`);
  }
  return { documents, ...(failedDocuments.length > 0 && { failedDocuments }) };
}

/** The file's bytes, or why it is skipped (reported as `file "<path>": <reason>`, 04 §14.2). */
async function readRepositoryFile(root: string, path: string, isSymlink: boolean, maxBytes: number): Promise<Buffer | string> {
  const skipped = (reason: string) => `file "${path}": ${reason}`;
  let real: string;
  try {
    real = await realpath(join(root, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return skipped(isSymlink && code === 'ENOENT' ? 'symbolic link target does not exist' : `cannot be read (${code ?? 'error'})`);
  }
  const rel = relative(root, real);
  // A link may point at another file of the repository, but not outside it or into `.git`.
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(/[\\/]/)[0] === '.git') {
    return skipped('symbolic link resolves outside the repository');
  }
  const handle = await open(real, 'r').catch((error: NodeJS.ErrnoException) => skipped(`cannot be read (${error.code ?? 'error'})`));
  if (typeof handle === 'string') return handle;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return skipped('not a regular file');
    if (stat.size > maxBytes) return `file "${path}" exceeds maximum size of ${maxBytes} bytes`;
    return await handle.readFile();
  } catch (error) {
    return skipped(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}
