/** Manifest-based detection, in order: JavaScript, Python, Go, Rust, Gradle, Maven, Makefile, bats. */
import { join } from 'node:path';
import { detectNode } from './test-detect-node.js';
import { detectPython } from './test-detect-python.js';
import { exists, listDir, onPath, readText } from './test-detect-util.js';
import type { TestDetection, TestRunner } from './test-types.js';

export async function detectFromManifests(root: string): Promise<TestDetection | null> {
  const node = await detectNode(root);
  if (node) return node;
  const py = await detectPython(root);
  if (py) return py;
  return detectOther(root);
}

async function detectOther(root: string): Promise<TestDetection | null> {
  const make = (command: string, reason: string, runner: TestRunner): TestDetection => ({ command, reason, runner, cwd: root, source: 'manifest' });
  if ((await exists(join(root, 'go.mod'))) || (await exists(join(root, 'go.work')))) return make('go test ./...', 'go.mod', 'go');
  const cargo = await readText(join(root, 'Cargo.toml'));
  if (cargo !== null) {
    // a workspace root that is also a package tests only itself with plain `cargo test`
    if (/^\[workspace\]/m.test(cargo) && /^\[package\]/m.test(cargo)) return make('cargo test --workspace', 'Cargo.toml (workspace)', 'cargo');
    return make('cargo test', 'Cargo.toml', 'cargo');
  }

  const gradleBuild = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];
  if ((await Promise.all(gradleBuild.map((f) => exists(join(root, f))))).some(Boolean)) {
    if (await exists(join(root, 'gradlew'))) return make('./gradlew test --console=plain', 'Gradle build with ./gradlew', 'gradle');
    if (await onPath('gradle')) return make('gradle test --console=plain', 'Gradle build file', 'gradle');
  }
  if (await exists(join(root, 'pom.xml'))) {
    if (await exists(join(root, 'mvnw'))) return make('./mvnw -B test', 'Maven pom.xml with ./mvnw', 'maven');
    return make('mvn -B test', 'Maven pom.xml', 'maven');
  }

  for (const name of ['Makefile', 'makefile', 'GNUmakefile']) {
    const text = await readText(join(root, name));
    if (!text) continue;
    for (const target of ['test', 'check', 'tests']) {
      if (new RegExp(`^${target}\\s*:(?!=)`, 'm').test(text)) return make(`make ${target}`, `${name} has a "${target}" target`, 'make');
    }
  }

  for (const dir of ['test', 'tests', '.']) {
    const bats = (await listDir(join(root, dir))).filter((f) => f.endsWith('.bats'));
    if (bats.length) return make(dir === '.' ? 'bats .' : `bats ${dir}`, `${bats.length} .bats file(s) in ${dir === '.' ? 'the top level' : `${dir}/`}`, 'bats');
  }
  return null;
}
