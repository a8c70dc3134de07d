// graphql-codegen's client preset: TypedDocumentNodes and types for every operation of operations/, and the
// persisted documents (each document by `sha256:<hex>` of its normalised text; scripts/persisted-documents.mjs
// moves the map to persisted-documents.json, which the server answers `documentId` from).
import { createHash } from "node:crypto";
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "generated/": {
      preset: "client",
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: {
          mode: "embedHashInDocument",
          hashAlgorithm: (operation: string) => "sha256:" + createHash("sha256").update(operation).digest("hex"),
        },
      },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { Date: "string", DateTime: "string", Decimal: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
