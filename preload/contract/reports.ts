// Contract section for the reports area (methods and push topics). Merged into ../contract.ts.
export const reportsMethods = {} as const;
export const reportsTopics = {} as const;
