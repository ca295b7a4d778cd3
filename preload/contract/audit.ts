// Contract section for the audit area (methods and push topics). Merged into ../contract.ts.
export const auditMethods = {} as const;
export const auditTopics = {} as const;
