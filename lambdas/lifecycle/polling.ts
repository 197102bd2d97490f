/** How many times each lifecycle wait polls before giving up (the ASL's Wait sets the interval). */
export const LIFECYCLE_POLL_LIMITS = {
  instanceStopped: 60, // x 10 s: EC2 stops an instance in well under a minute, 10 min is generous
  instanceStarted: 60, // x 5 s
  snapshotCompleted: 240, // x 60 s: a first full snapshot of a busy volume can take hours
} as const;
