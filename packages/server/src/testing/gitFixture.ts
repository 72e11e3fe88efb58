import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A git repository created at run time for tests (02 §10.7); no repository is committed to this one. */
export interface GitFixture {
  /** `file://` URL of the repository. */
  url: string;
  /** The repository's working directory. */
  dir: string;
  /** SHAs of every commit so far, oldest first. */
  commits: string[];
  /** Writes (or, for `null`, deletes) files, commits everything and returns the new SHA. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export interface GitFixtureOptions {
  /** Where the temporary directory is created (e.g. inside a test's allowed data root); the OS temp dir by default. */
  parentDir?: string;
}

/** Fixed identity and clock: the same files in the same commits always give the same SHAs. */
const FIXED_IDENTITY = {
  GIT_AUTHOR_NAME: 'Catalog Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Catalog Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
};
const FIRST_COMMIT_SECONDS = Date.UTC(2025, 0, 1) / 1000;

/**
 * `git init -b main` in a fresh temporary directory and one commit of `files` (repository-relative
 * `/` paths → content). Further commits advance the fixed clock by one hour each, so every SHA is
 * reproducible across machines and runs.
 */
export async function createGitFixture(files: Record<string, string>, options: GitFixtureOptions = {}): Promise<GitFixture> {
  const parent = options.parentDir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, 'git-fixture-'));
  const commits: string[] = [];

  const git = async (args: string[], date?: string) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      // The developer's own settings (signing, hooks, templates) must not change the fixture.
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: devNull,
      LC_ALL: 'C',
      ...FIXED_IDENTITY,
      ...(date !== undefined && { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }),
    };
    const { stdout } = await run('git', args, { cwd: dir, env });
    return stdout.trim();
  };

  const fixture: GitFixture = {
    url: pathToFileURL(dir).href,
    dir,
    commits,
    async commit(changes, message = `commit ${commits.length + 1}`) {
      for (const [path, content] of Object.entries(changes)) {
        const target = resolve(dir, path);
        if (!target.startsWith(dir + sep) || relative(dir, target).split(sep)[0] === '.git') {
          throw new Error(`fixture path "${path}" is outside the repository`);
        }
        if (content === null) {
          await rm(target, { force: true });
        } else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
      }
      const date = `${FIRST_COMMIT_SECONDS + commits.length * 3600} +0000`;
      await git(['add', '--all']);
      await git(['commit', '--quiet', '--allow-empty', '--no-verify', '--no-gpg-sign', '-m', message], date);
      const sha = await git(['rev-parse', 'HEAD']);
      commits.push(sha);
      return sha;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };

  try {
    await git(['init', '--quiet', '--template=', '-b', 'main']);
    await git(['config', 'core.autocrlf', 'false']);
    await fixture.commit(files, 'initial fixture');
  } catch (error) {
    await fixture.cleanup();
    throw error;
  }
  return fixture;
}

/** Every file below `dir` as repository path → content, for fixture files kept as a directory tree in the tests. */
export async function readFixtureFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    files[relative(dir, path).split(sep).join('/')] = await readFile(path, 'utf8');
  }
  return files;
}
