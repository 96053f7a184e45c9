/** What names a vantage and what signs for it: checked by the hub's config, the vantage's environment and the wire. */

/** A vantage id: it names series keys, URLs and metric labels. */
export const VANTAGE_ID = /^[a-z0-9-]{1,32}$/;

/** A Standard Webhooks secret as a vantage and its hub share it: whsec_ and base64. */
export const VANTAGE_SECRET = /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/;
