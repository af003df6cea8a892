/**
 * What a person did with a run's change after the run: edited one of its files again outside sedge, or
 * committed it. Learned cheaply, later, by comparing what the run left (the blob hashes of the files it
 * changed and HEAD at its end, kept in its trace record) with the repository now: at the start of the next
 * run in the same checkout (before any of its tools run, so the agent's own edits never count), and when an
 * interactive session ends. A few git processes, never a walk of the history.
 */
import { commitBlobs, descendsFrom, headCommit } from '../repo/commit-state.js';
import { blobHashes, type TraceRecord } from './record.js';

export interface FollowUpInput {
  /** the files the run changed, with the blob it left (absent: it deleted the file) */
  files: { path: string; blob?: string }[];
  /** the working tree now: path -> blob (absent: no such file) */
  work: Map<string, string>;
  /** HEAD when the run ended, and now */
  headThen: string | null;
  headNow: string | null;
  /** blobs of HEAD now and of HEAD then, for the files (only read when HEAD moved) */
  inHead: Map<string, string>;
  inThen: Map<string, string>;
  /** HEAD now descends from HEAD then (commits on top, not a switch to another branch or a reset) */
  descends: boolean;
  /** look for edits too (only for the newest run of the checkout: later runs' own edits would count) */
  edits: boolean;
}

export interface FollowUp {
  /** files whose content is no longer what the run left, changed outside sedge */
  edited: string[];
  /** files whose version from the run a commit made since holds */
  committed: string[];
  /** that commit (HEAD now) when `committed` is not empty */
  commit: string | null;
}

/**
 * Pure. A file was edited again when its content differs from what the run left, unless HEAD moved to
 * another line of history and the file is simply that commit's version (a branch switch is not an edit).
 * A file was committed when HEAD moved and now holds exactly the run's version, which HEAD did not hold
 * when the run ended (a run's deletion counts when HEAD no longer has the file).
 */
export function followUpOf(i: FollowUpInput): FollowUp {
  const moved = i.headNow !== null && i.headNow !== i.headThen;
  const edited: string[] = [];
  const committed: string[] = [];
  for (const f of i.files) {
    const now = i.work.get(f.path);
    const head = i.inHead.get(f.path);
    if (i.edits && now !== f.blob && !(moved && !i.descends && now === head)) edited.push(f.path);
    if (moved && head === f.blob && i.inThen.get(f.path) !== f.blob) committed.push(f.path);
  }
  return { edited, committed, commit: committed.length ? i.headNow : null };
}

/** Read the repository's state for a record and decide (null: the record cannot be followed up). */
export async function followUpRecord(root: string, rec: TraceRecord, edits: boolean): Promise<FollowUp | null> {
  if (!rec.left || rec.files_changed.length === 0) return null;
  const paths = rec.files_changed.map((f) => f.path);
  const [work, headNow] = await Promise.all([blobHashes(root, paths), headCommit(root)]);
  const headThen = rec.left.head;
  const moved = headNow !== null && headNow !== headThen;
  const [inHead, inThen, descends] = moved
    ? await Promise.all([
        commitBlobs(root, headNow, paths),
        headThen ? commitBlobs(root, headThen, paths) : Promise.resolve(new Map<string, string>()),
        headThen ? descendsFrom(root, headNow, headThen) : Promise.resolve(true),
      ])
    : [new Map<string, string>(), new Map<string, string>(), true];
  return followUpOf({ files: rec.files_changed, work, headThen, headNow, inHead, inThen, descends, edits });
}
