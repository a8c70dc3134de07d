// The client preset writes the persisted documents into generated/; the server and integrators read them from
// frontend-contract/persisted-documents.json (sorted by key, one trailing newline, so a diff shows what changed).
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const source = new URL("../generated/persisted-documents.json", import.meta.url);
const target = new URL("../persisted-documents.json", import.meta.url);
const documents = JSON.parse(readFileSync(source, "utf8"));
const sorted = Object.fromEntries(Object.keys(documents).sort().map((id) => [id, documents[id]]));
writeFileSync(target, JSON.stringify(sorted, null, 2) + "\n");
rmSync(source);
