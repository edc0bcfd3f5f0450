// The Postgres dialect of the schema. It mirrors `../sqlite/index.ts` column for column;
// `../parity.ts` makes the compiler prove the row types are identical.
export * from "./users";
export * from "./conversations";
export * from "./keys";
export * from "./calls";
export * from "./files";
export * from "./accounts";
export * from "./account-controls";
