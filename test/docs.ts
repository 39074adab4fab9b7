// The documentation as the tests read it: README.md and docs/*.md, their fenced code blocks, and their links.

import { readFileSync } from 'node:fs';
import { documentFiles } from '../scripts/readme-tables.js';

/** Every documentation file a user reads: README.md first, then docs/*.md in name order. */
export const DOC_FILES = documentFiles();

export function readDoc(file: string): string {
  return readFileSync(file, 'utf8');
}

export interface CodeBlock {
  file: string;
  language: string;
  code: string;
}

/** Fenced code blocks of one file (or of every documentation file), optionally of one info string. */
export function codeBlocks(files: string | readonly string[] = DOC_FILES, language?: string): CodeBlock[] {
  const list = typeof files === 'string' ? [files] : files;
  return list.flatMap((file) =>
    [...readDoc(file).matchAll(/^ *```([^\n`]*)\n([\s\S]*?)^ *```$/gm)]
      .map((m) => ({ file, language: String(m[1]).trim(), code: String(m[2]) }))
      .filter((b) => language === undefined || b.language === language),
  );
}

/** The whole documentation as one string, whitespace collapsed, for "is this fact written down" checks. */
export function allDocsText(): string {
  return DOC_FILES.map(readDoc).join('\n').replace(/\s+/g, ' ');
}

/** The GitHub anchor of a heading: lower case, punctuation but `_` and `-` dropped, spaces as dashes. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file defines (headings outside code fences; repeats get -1, -2… as on GitHub). */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const base = anchorOf(String(heading[1]));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative Markdown links `[text](target)` outside code fences and inline code: `{ target, line }`. */
export function relativeLinks(text: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fenced = false;
  for (const [index, raw] of text.split('\n').entries()) {
    if (raw.trimStart().startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    const line = raw.replace(/`[^`]*`/g, (code) => (code.includes('](') ? '``' : code));
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = String(m[1]);
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are not files
      links.push({ target, line: index + 1 });
    }
  }
  return links;
}
