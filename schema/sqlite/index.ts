// The SQLite/D1 dialect of the schema. `../pg/index.ts` mirrors it column for column;
// `../parity.ts` makes the compiler prove the row types are identical.
export * from "./users";
export * from "./conversations";
export * from "./keys";
export * from "./calls";
export * from "./files";
export * from "./accounts";
export * from "./account-controls";
