// Contract section for the webhooks area (methods and push topics). Merged into ../contract.ts.
export const webhooksMethods = {} as const;
export const webhooksTopics = {} as const;
