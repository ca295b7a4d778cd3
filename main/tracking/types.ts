// Tracking event types, stored as small integers (tracking_events.event_type).
export const trackingTypes = ['page_view', 'link_click', 'form_submit', 'button_click', 'search', 'export'] as const;
export type TrackingType = (typeof trackingTypes)[number];

export const trackingTypeCode = (t: TrackingType): number => trackingTypes.indexOf(t) + 1;
export const trackingTypeName = (code: number): TrackingType => {
  const t = trackingTypes[code - 1];
  if (!t) throw new Error(`Unknown tracking event type code ${code}`);
  return t;
};
