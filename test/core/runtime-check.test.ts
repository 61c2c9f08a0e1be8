import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

// The check runs when its module is evaluated, so each test loads a fresh copy
// (a new query string) under a pretended Node version. In-process, unlike the
// spawned older Node of test/package, so that coverage sees it.
const real = Object.getOwnPropertyDescriptor(process, "versions") as PropertyDescriptor;
let copies = 0;

async function loadUnder(version: string): Promise<unknown> {
  Object.defineProperty(process, "versions", { ...real, value: { ...process.versions, node: version } });
  try {
    await import(`../../src/core/runtime-check.ts?copy=${++copies}`);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    Object.defineProperty(process, "versions", real);
  }
}

describe("the runtime check", () => {
  afterEach(() => assert.equal(process.versions.node, (real.value as NodeJS.ProcessVersions).node));

  test("refuses a Node older than 22.19 with one line that says what is needed", async () => {
    for (const version of ["22.18.9", "21.99.0", "20.11.1"]) {
      const error = (await loadUnder(version)) as Error & { code?: string };
      assert.ok(error instanceof Error, `Node ${version} was accepted`);
      const message =
        `aio-ts needs Node.js 22.19 or newer (this is Node.js ${version}); ` +
        "update Node.js, or pin one as a devDependency (the `node` package)";
      assert.equal(error.message, message);
      assert.equal(error.code, "ERR_AIO_UNSUPPORTED_RUNTIME");
      assert.equal(error.stack, `Error [ERR_AIO_UNSUPPORTED_RUNTIME]: ${message}`);
    }
  });

  test("accepts Node 22.19 and newer", async () => {
    for (const version of ["22.19.0", "22.20.0", "23.0.0", "24.1.0"]) {
      assert.equal(await loadUnder(version), undefined, `Node ${version} was refused`);
    }
  });
});
