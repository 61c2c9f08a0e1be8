// The lesson's real example, `download_all`: one ClientSession, one `fetch`
// coroutine per URL, all of them at once with `gather`.
//
//   async def fetch(session, url):
//       async with session.get(url) as resp:
//           return await resp.text()
//
//   async def download_all(urls):
//       async with aiohttp.ClientSession() as session:
//           tasks = [fetch(session, url) for url in urls]
//           results = await asyncio.gather(*tasks)
//           return results
//
// There is no internet here, so with no URLs on the command line it starts the
// embedded httpbin-compatible server (`aio serve`) in this process and
// downloads its /get, /ip and /uuid. Given URLs, it downloads those.
//
// Run it: node examples/download.ts [URL...]
import { gather, run } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { serve } from "aio-ts/testing";

async function fetch(session: ClientSession, url: string): Promise<string> {
  await using resp = await session.get(url);
  return await resp.text(); // await before the response is released
}

async function downloadAll(urls: string[]): Promise<string[]> {
  await using session = new ClientSession();
  const tasks = urls.map((url) => fetch(session, url));
  return await gather(...tasks); // await here: the session closes when this function returns
}

await run(async () => {
  let urls = process.argv.slice(2);
  await using server = urls.length === 0 ? await serve({ quiet: true }) : undefined;
  if (server !== undefined) urls = ["/get", "/ip", "/uuid"].map((path) => server.url + path);
  const pages = await downloadAll(urls);
  console.log(`Downloaded ${pages.length} pages concurrently`);
});
