import { makeTempHome, makeTempRepo, type TempHome } from './repo.js';
import { type ScriptedServer, startScriptedServer } from './scripted-server.js';

/** What most end-to-end tests start from: a scripted model server, a throwaway home and a throwaway repo. */
export interface ScriptedRepo {
  server: ScriptedServer;
  home: TempHome;
  repo: { dir: string; cleanup: () => void };
}

export async function openScriptedRepo(files: Record<string, string>): Promise<ScriptedRepo> {
  return { server: await startScriptedServer(), home: makeTempHome(), repo: makeTempRepo(files) };
}

export async function closeScriptedRepo(s: ScriptedRepo): Promise<void> {
  await s.server.close();
  s.home.cleanup();
  s.repo.cleanup();
}

/** value.txt says "bad"; check.sh passes once it says "good" */
export const VALUE_REPO = {
  'value.txt': 'bad\n',
  'check.sh': 'grep -qx good value.txt || { echo "FAIL value is not good"; exit 1; }\necho "1 passed"\n',
};
