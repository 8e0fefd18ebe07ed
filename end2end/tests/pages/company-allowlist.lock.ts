import { expect, test } from "@playwright/test";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * The company allowlist is one setting for the whole server, and it decides both sign-in
 * and every token use, while the specs run in parallel. A spec that saves a list, and a spec
 * that relies on requests from other networks (X-Forwarded-For) being let in, each hold
 * this lock for that part, so neither sees the other's list. Signing in from 127.0.0.1
 * needs no lock: no list a spec saves leaves 127.0.0.1 out.
 *
 * The lock is a folder in the output folder, which Playwright empties when a run starts,
 * so a run that died holding it cannot block the next one.
 */
export async function withCompanyAllowlist<T>(work: () => Promise<T>): Promise<T> {
  const folder = test.info().project.outputDir;
  await mkdir(folder, { recursive: true });
  const lock = join(folder, ".company-allowlist.lock");
  const acquire = () =>
    mkdir(lock).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return false;
        throw error;
      },
    );
  await expect
    .poll(acquire, { message: "another spec holds the company allowlist", timeout: 60_000, intervals: [100, 250, 500] })
    .toBe(true);
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
