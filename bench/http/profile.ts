/** A V8 CPU profile (.cpuprofile) summed up: self time by function and by package or folder. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  /** Share of all samples (0..1), idle included. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  samples: number;
  topFunctions: SelfTime[];
  byArea: SelfTime[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function summarizeProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let samples = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    samples += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url);
    const name = where ? `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}` : functionName;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const area = areaOf(functionName, url);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const ranked = (counts: Map<string, number>) =>
    [...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, hits]) => ({ name, share: hits / samples }));
  return { file, seconds: (profile.endTime - profile.startTime) / 1e6, samples, topFunctions: ranked(byFunction), byArea: ranked(byArea) };
}

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** (idle), (garbage collector), node internals, a package, or our folder (http, projections/sql). */
function areaOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native: ${functionName}`;
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const path = shortUrl(url);
  if (path !== url && url.includes('node_modules/')) {
    const parts = path.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.split('/').slice(0, 2).join('/');
}
