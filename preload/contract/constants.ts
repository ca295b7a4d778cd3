// Values of the contract that the renderer needs at run time (no zod here, so the renderer bundles none).

/**
 * How every view shows a custom header's value (values are secrets, sealed at rest). An update that sends this
 * value for a header keeps that header's stored value; `webhooks.endpoints.revealHeaders` gives admins the values.
 */
export const MASKED_HEADER_VALUE = '••••••••';
