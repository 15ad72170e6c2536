/**
 * A headless Chromium for the browser tests, found without installing anything beyond `npm ci`:
 * CHROMIUM_PATH if set; on Linux x64 the one inside the @sparticuz/chromium package (unpacked to
 * the temp directory on first use, about 2 s); elsewhere (macOS, Windows, Linux arm64, where that
 * package has no build) an installed Chrome, Chromium or Edge in its usual place.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export interface LaunchedBrowser {
  browser: Browser;
  /** Which browser ran, for the test output: version, source and path. */
  description: string;
}

/** The usual install locations of Chromium-based browsers, by platform. */
function installedCandidates(): string[] {
  if (process.platform === 'darwin') {
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ].flatMap((path) => [path, join(process.env.HOME ?? '', path)]);
  }
  if (process.platform === 'win32') {
    const roots = [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA];
    return roots
      .filter((root): root is string => Boolean(root))
      .flatMap((root) => [
        join(root, 'Google', 'Chrome', 'Application', 'chrome.exe'),
        join(root, 'Chromium', 'Application', 'chrome.exe'),
        join(root, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
      ]);
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ];
}

/**
 * The package's Chromium ships its own fonts (Open Sans) for machines that have none; this
 * configuration adds them to the system's fonts (if any), so text renders on a bare machine too.
 */
function fontConfig(): string {
  const dir = resolve('test-output', 'fonts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fonts.conf');
  writeFileSync(
    file,
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <dir>${join(tmpdir(), 'fonts')}</dir>`,
      `  <cachedir>${join(dir, 'cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  return file;
}

async function packaged(): Promise<{ path: string; args: string[]; env: Record<string, string> }> {
  const { default: packagedChromium, inflate } = await import('@sparticuz/chromium');
  const path = await packagedChromium.executablePath();
  // executablePath() skips the fonts when an earlier run left the binary behind without them.
  if (!existsSync(join(tmpdir(), 'fonts'))) {
    const bin = resolve(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin');
    await inflate(join(bin, 'fonts.tar.br'));
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { path, args: packagedChromium.args, env: { ...env, FONTCONFIG_FILE: fontConfig() } };
}

const HEADLESS_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

export async function launchBrowser(): Promise<LaunchedBrowser> {
  let choice: { path: string; source: string; args: string[]; env?: Record<string, string> };
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
    choice = { path: explicit, source: 'CHROMIUM_PATH', args: HEADLESS_ARGS };
  } else if (process.platform === 'linux' && process.arch === 'x64') {
    const p = await packaged();
    choice = { path: p.path, source: '@sparticuz/chromium', args: p.args, env: p.env };
  } else {
    const found = installedCandidates().find((path) => existsSync(path));
    if (!found) {
      throw new Error(
        `No Chromium for ${process.platform}/${process.arch}: @sparticuz/chromium has a build for Linux x64 only. ` +
          `Install Chrome or Chromium, or set CHROMIUM_PATH to a Chromium-based browser. Looked in: ${installedCandidates().join(', ')}`,
      );
    }
    choice = { path: found, source: 'installed', args: HEADLESS_ARGS };
  }
  const browser = await chromium.launch({
    executablePath: choice.path,
    args: choice.args,
    headless: true,
    ...(choice.env ? { env: choice.env } : {}),
  });
  return { browser, description: `Chromium ${browser.version()} from ${choice.source} (${choice.path})` };
}
