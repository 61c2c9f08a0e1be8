// Reads the TSDoc of the public surface with the TypeScript compiler API, and
// type-checks its `@example` blocks as a user's modules (see tsdoc-examples.test.ts).
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The entry points of the exports map, by the specifier a user imports. */
export const entryPoints: Readonly<Record<string, string>> = {
  "aio-ts": "src/index.ts",
  "aio-ts/http": "src/http.ts",
  "aio-ts/testing": "src/testing.ts",
  "aio-ts/workers": "src/workers.ts",
  "aio-ts/bullmq": "src/bullmq.ts",
};

/** One public export, followed through re-exports to its declarations. */
export interface PublicExport {
  /** The specifier it is imported from (`aio-ts/http`). */
  readonly entry: string;
  readonly name: string;
  /** A class, function or const: it needs an example; a type needs only a summary. */
  readonly isValue: boolean;
  /** Repo-relative file and 1-based line of its first declaration. */
  readonly file: string;
  readonly line: number;
  readonly hasSummary: boolean;
  readonly exampleCount: number;
}

/** One ```ts block of an `@example` tag. */
export interface Example {
  /** What it documents: `gather`, `Queue.put`. */
  readonly owner: string;
  readonly file: string;
  /** 1-based line, in `file`, of the block's first line of code. */
  readonly line: number;
  readonly code: string;
}

export interface PublicApi {
  readonly exports: readonly PublicExport[];
  readonly examples: readonly Example[];
  /** `@example` tags without a ```ts block (they would go unchecked). */
  readonly unfenced: readonly string[];
  readonly program: ts.Program;
}

/** The compiler options of the repo (tsconfig.json), as `tsc -p .` uses them. */
export function repoCompilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(repoRoot, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (parsed === undefined) throw new Error("cannot read tsconfig.json");
  return parsed.options;
}

const relative = (file: string): string => path.relative(repoRoot, file).split(path.sep).join("/");

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** The JSDoc blocks attached to a declaration (for a const, the ones on its statement). */
function jsDocsOf(node: ts.Node): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(node).filter((n): n is ts.JSDoc => ts.isJSDoc(n));
}

function hasSummary(doc: ts.JSDoc): boolean {
  const c = doc.comment;
  if (c === undefined) return false;
  return (typeof c === "string" ? c : (ts.getTextOfJSDocComment(c) ?? "")).trim() !== "";
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === "internal");
}

/**
 * The ```ts blocks of the `@example` tags of one JSDoc block, read from the
 * raw comment so that each keeps its line in the source file.
 */
function examplesOf(doc: ts.JSDoc, owner: string, unfenced: string[]): Example[] {
  const sf = doc.getSourceFile();
  const file = relative(sf.fileName);
  const firstLine = lineOf(sf, doc.getStart(sf));
  const lines = sf.text
    .slice(doc.getStart(sf), doc.end)
    .split("\n")
    .map((l) =>
      l
        .replace(/^\s*\/\*\*\s?/, "")
        .replace(/\s*\*\/\s*$/, "")
        .replace(/^\s*\* ?/, ""),
    );
  const out: Example[] = [];
  let inExample = false;
  let fencedInThisTag = 0;
  let fence: { start: number; ts: boolean; code: string[] } | undefined;
  const closeTag = (): void => {
    if (inExample && fencedInThisTag === 0) unfenced.push(`${file}:${firstLine} ${owner}`);
    inExample = false;
    fencedInThisTag = 0;
  };
  for (const [i, text] of lines.entries()) {
    if (fence !== undefined) {
      if (/^\s*```\s*$/.test(text)) {
        if (fence.ts) out.push({ owner, file, line: firstLine + fence.start, code: `${fence.code.join("\n")}\n` });
        fence = undefined;
      } else fence.code.push(text);
      continue;
    }
    const opening = /^\s*```\s*(\w*)/.exec(text);
    if (opening !== null) {
      const isTs = inExample && /^(ts|typescript)$/.test(opening[1] ?? "");
      if (isTs) fencedInThisTag++;
      fence = { start: i + 1, ts: isTs, code: [] };
      continue;
    }
    const tag = /^\s*@(\w+)/.exec(text);
    if (tag !== null) {
      closeTag();
      inExample = tag[1] === "example";
    }
  }
  closeTag();
  return out;
}

/** The public members of a class or interface declaration (not private, protected, `#x` or @internal). */
function publicMembers(decl: ts.Declaration): ts.Node[] {
  if (!ts.isClassDeclaration(decl) && !ts.isInterfaceDeclaration(decl)) return [];
  const members: ts.Node[] = [];
  for (const m of decl.members) {
    const mods = ts.canHaveModifiers(m) ? (ts.getModifiers(m) ?? []) : [];
    if (mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword))
      continue;
    if (m.name !== undefined && ts.isPrivateIdentifier(m.name)) continue;
    if (isInternal(m)) continue;
    members.push(m);
  }
  return members;
}

function memberName(m: ts.Node, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(m)) return "constructor";
  const name = (m as ts.ClassElement).name;
  return name === undefined ? "?" : name.getText(sf);
}

/** Every public export of the four entry points, with its TSDoc and the examples of it and its members. */
export function readPublicApi(): PublicApi {
  const options = repoCompilerOptions();
  const program = ts.createProgram({
    rootNames: Object.values(entryPoints).map((f) => path.join(repoRoot, f)),
    options,
  });
  const checker = program.getTypeChecker();
  const exports: PublicExport[] = [];
  const examples: Example[] = [];
  const unfenced: string[] = [];
  // A declaration exported twice (by two entry points) gives its examples once.
  const seen = new Map<ts.JSDoc, Example[]>();
  const collect = (node: ts.Node, owner: string): Example[] =>
    jsDocsOf(node).flatMap((doc) => {
      let found = seen.get(doc);
      if (found === undefined) {
        found = examplesOf(doc, owner, unfenced);
        seen.set(doc, found);
        examples.push(...found);
      }
      return found;
    });
  for (const [entry, file] of Object.entries(entryPoints)) {
    const sf = program.getSourceFile(path.join(repoRoot, file));
    const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${file}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = symbol.getDeclarations() ?? [];
      const first = decls[0];
      if (first === undefined) throw new Error(`${entry}: ${exported.name} has no declaration`);
      const declFile = first.getSourceFile();
      const docs = decls.flatMap(jsDocsOf);
      let exampleCount = 0;
      for (const decl of decls) {
        exampleCount += collect(decl, exported.name).length;
        for (const m of publicMembers(decl)) collect(m, `${exported.name}.${memberName(m, declFile)}`);
      }
      exports.push({
        entry,
        name: exported.name,
        isValue: (symbol.flags & ts.SymbolFlags.Value) !== 0,
        file: relative(declFile.fileName),
        line: lineOf(declFile, first.getStart(declFile)),
        hasSummary: docs.some(hasSummary),
        exampleCount,
      });
    }
  }
  return { exports, examples, unfenced, program };
}

/** One type error of an example, located in the source file that holds it. */
export interface ExampleError {
  readonly example: Example;
  /** `file:line` of the error in the source file. */
  readonly at: string;
  readonly message: string;
}

/** One module of an example, and the line of the example where it starts (0-based). */
interface ExampleFile {
  readonly name: string;
  readonly code: string;
  readonly firstLine: number;
}

/**
 * The modules of an example: one, or several when its first line names a
 * file (`// jobs.ts`), each then starting at a line that names one.
 */
function filesOf(example: Example): ExampleFile[] {
  const lines = example.code.split("\n");
  const fileLine = /^\/\/ ([\w.-]+\.(?:ts|mts|js|mjs))\s*$/;
  if (!fileLine.test(lines[0] ?? "")) return [{ name: "example.ts", code: example.code, firstLine: 0 }];
  const files: ExampleFile[] = [];
  for (const [i, text] of lines.entries()) {
    const m = fileLine.exec(text);
    if (m !== null) files.push({ name: m[1] as string, code: "", firstLine: i });
    const last = files.at(-1) as ExampleFile;
    // Keep the line numbers: the file's own name line stays, as a comment.
    files[files.length - 1] = { ...last, code: `${last.code}${text}\n` };
  }
  return files;
}

/**
 * Type-checks every example in one program, as modules a user wrote inside a
 * project that depends on aio-ts: each is an in-memory folder in `test/docs/`,
 * so `"aio-ts"` resolves through the package's own exports map (to the sources,
 * by the `aio-ts-source` condition), with the repo's strict options.
 */
export function checkExamples(examples: readonly Example[], oldProgram?: ts.Program): ExampleError[] {
  const options: ts.CompilerOptions = {
    ...repoCompilerOptions(),
    // Each example is a module even without an import, so top-level await works.
    moduleDetection: ts.ModuleDetectionKind.Force,
    noEmit: true,
  };
  const virtual = new Map<string, { example: Example; file: ExampleFile }>();
  const virtualDirs = new Set<string>();
  for (const [i, example] of examples.entries()) {
    const dir = path.join(repoRoot, "test", "docs", `__example_${i}__`);
    virtualDirs.add(dir);
    for (const file of filesOf(example)) virtual.set(path.join(dir, file.name), { example, file });
  }
  const host = ts.createCompilerHost(options, true);
  const { fileExists, directoryExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.directoryExists = (d) => virtualDirs.has(d) || (directoryExists?.call(host, d) ?? ts.sys.directoryExists(d));
  host.readFile = (f) => virtual.get(f)?.file.code ?? readFile.call(host, f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    const v = virtual.get(f);
    if (v !== undefined) return ts.createSourceFile(f, v.file.code, languageVersion, true);
    return getSourceFile.call(host, f, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({
    rootNames: [...virtual.keys()],
    options,
    host,
    ...(oldProgram === undefined ? {} : { oldProgram }),
  });
  const errors: ExampleError[] = [];
  for (const [f, { example, file }] of virtual) {
    const sf = program.getSourceFile(f);
    if (sf === undefined) throw new Error(`lost ${f}`);
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diagnostics) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const code = file.code.split("\n")[line]?.trim() ?? "";
      errors.push({
        example,
        at: `${example.file}:${example.line + file.firstLine + line}`,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n    ")}\n    in: ${code}`,
      });
    }
  }
  return errors;
}
