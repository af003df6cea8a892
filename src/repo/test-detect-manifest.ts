/** Manifest-based detection, in order: JavaScript, Python, Go, Rust, Gradle, Maven, Makefile, bats. */
import { join } from 'node:path';
import { detectNode } from './test-detect-node.js';
import { mainLanguage, type Lang } from './test-detect-lang.js';
import { detectPython } from './test-detect-python.js';
import { exists, listDir, onPath, readText, type ToolLookup } from './test-detect-util.js';
import type { TestDetection, TestRunner } from './test-types.js';

export async function detectFromManifests(
  root: string,
  lang?: Lang | null,
  has: ToolLookup = onPath,
): Promise<TestDetection | null> {
  // the repo's main language first: a Python project's package.json (for its JavaScript) must not win
  const main = lang === undefined ? await mainLanguage(root) : lang;
  if (main === 'python') {
    const py = await detectPython(root, has);
    if (py) return py;
  } else if (main === 'go' || main === 'rust') {
    const other = await detectOther(root, has);
    if (other) return other;
  }
  const node = await detectNode(root, has);
  if (node) return node;
  const py = await detectPython(root, has);
  if (py) return py;
  return detectOther(root, has);
}

async function detectOther(root: string, has: ToolLookup): Promise<TestDetection | null> {
  const make = (command: string, reason: string, runner: TestRunner): TestDetection => ({
    command,
    reason,
    runner,
    cwd: root,
    source: 'manifest',
  });
  if ((await exists(join(root, 'go.mod'))) || (await exists(join(root, 'go.work'))))
    return make('go test ./...', 'go.mod', 'go');
  const cargo = await readText(join(root, 'Cargo.toml'));
  if (cargo !== null) {
    // a workspace root that is also a package tests only itself with plain `cargo test`
    if (/^\[workspace\]/m.test(cargo) && /^\[package\]/m.test(cargo))
      return make('cargo test --workspace', 'Cargo.toml (workspace)', 'cargo');
    return make('cargo test', 'Cargo.toml', 'cargo');
  }

  const gradleBuild = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];
  if ((await Promise.all(gradleBuild.map((f) => exists(join(root, f))))).some(Boolean)) {
    if (await exists(join(root, 'gradlew')))
      return make('./gradlew test --console=plain', 'Gradle build with ./gradlew', 'gradle');
    if (await has('gradle')) return make('gradle test --console=plain', 'Gradle build file', 'gradle');
  }
  if (await exists(join(root, 'pom.xml'))) {
    if (await exists(join(root, 'mvnw'))) return make('./mvnw -B test', 'Maven pom.xml with ./mvnw', 'maven');
    return make('mvn -B test', 'Maven pom.xml', 'maven');
  }

  const ruby = await detectRuby(root);
  if (ruby) return make(ruby.command, ruby.reason, ruby.runner);
  const php = await detectPhp(root);
  if (php) return make(php.command, php.reason, 'phpunit');

  for (const name of ['Makefile', 'makefile', 'GNUmakefile']) {
    const text = await readText(join(root, name));
    if (!text) continue;
    for (const target of ['test', 'check', 'tests']) {
      if (new RegExp(`^${target}\\s*:(?!=)`, 'm').test(text))
        return make(`make ${target}`, `${name} has a "${target}" target`, 'make');
    }
  }

  for (const dir of ['test', 'tests', '.']) {
    const bats = (await listDir(join(root, dir))).filter((f) => f.endsWith('.bats'));
    if (bats.length)
      return make(
        dir === '.' ? 'bats .' : `bats ${dir}`,
        `${bats.length} .bats file(s) in ${dir === '.' ? 'the top level' : `${dir}/`}`,
        'bats',
      );
  }
  return null;
}

async function detectRuby(root: string): Promise<{ command: string; reason: string; runner: TestRunner } | null> {
  const gemfile = await readText(join(root, 'Gemfile'));
  const bundle = gemfile !== null ? 'bundle exec ' : '';
  if (
    (await exists(join(root, '.rspec'))) ||
    (gemfile && /['"]rspec(-rails)?['"]/.test(gemfile) && (await exists(join(root, 'spec'))))
  ) {
    return { command: `${bundle}rspec`, reason: '.rspec / rspec in the Gemfile with a spec/ folder', runner: 'rspec' };
  }
  const rakefile = await readText(join(root, 'Rakefile'));
  if (rakefile && /Rake::TestTask|task\s*\(?\s*:test\b|:default\s*=>\s*:test/.test(rakefile)) {
    return { command: `${bundle}rake test`, reason: 'Rakefile defines a test task', runner: 'minitest' };
  }
  return null;
}

async function detectPhp(root: string): Promise<{ command: string; reason: string } | null> {
  const composer = await readText(join(root, 'composer.json'));
  if (composer === null) return null;
  try {
    const scripts = (JSON.parse(composer) as { scripts?: Record<string, unknown> }).scripts ?? {};
    if (scripts.test !== undefined) return { command: 'composer test', reason: 'composer.json "test" script' };
  } catch {
    // not JSON: fall through to phpunit.xml
  }
  for (const f of ['phpunit.xml', 'phpunit.xml.dist', 'phpunit.dist.xml']) {
    if (await exists(join(root, f))) return { command: 'vendor/bin/phpunit', reason: f };
  }
  return null;
}
