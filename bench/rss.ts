import { readdirSync, readFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or undefined when the process is gone. */
export function procStatusKib(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every process below it, minus `exclude` and its subtree. */
export function processTree(root: number, exclude: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent !== undefined) parents.set(Number(entry), parent);
  }
  const tree = new Set([root]);
  for (let grew = true, rounds = 0; grew && rounds < 20; rounds += 1) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!tree.has(pid) && tree.has(parent) && pid !== exclude) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

export interface RssPeaks {
  readonly samples: number;
  /** Peak VmRSS of the largest Node process of the stack (the one running bin/local.ts), MiB. */
  readonly stackNodeMiB: number;
  /** Peak of the sum over the stack's Node processes (tsx's launcher and the stack), MiB. */
  readonly stackTreeMiB: number;
  readonly dynamoDbMiB: number;
  /** VmHWM (the kernel's own high-water mark) when sampling stopped, MiB. */
  readonly stackNodeHwmMiB: number;
  readonly dynamoDbHwmMiB: number;
  readonly nodeProcesses: number;
}

/**
 * Samples VmRSS of the stack's process tree (`pid` and its children except DynamoDB Local) and of
 * DynamoDB Local's Java process every `everyMs`, until stopped.
 */
export function sampleRss(pid: number, dynamoDbPid: number, everyMs = 250): { stop: () => RssPeaks } {
  const tree = processTree(pid, dynamoDbPid);
  let samples = 0;
  let stackNode = 0;
  let stackTree = 0;
  let dynamoDb = 0;
  const sample = () => {
    samples += 1;
    const sizes = tree.map((p) => procStatusKib(p, 'VmRSS') ?? 0);
    stackNode = Math.max(stackNode, ...sizes);
    stackTree = Math.max(stackTree, sizes.reduce((sum, size) => sum + size, 0));
    dynamoDb = Math.max(dynamoDb, procStatusKib(dynamoDbPid, 'VmRSS') ?? 0);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const hwm = Math.max(...tree.map((p) => procStatusKib(p, 'VmHWM') ?? 0));
      const mib = (kib: number) => kib / 1024;
      return {
        samples,
        stackNodeMiB: mib(stackNode),
        stackTreeMiB: mib(stackTree),
        dynamoDbMiB: mib(dynamoDb),
        stackNodeHwmMiB: mib(hwm),
        dynamoDbHwmMiB: mib(procStatusKib(dynamoDbPid, 'VmHWM') ?? 0),
        nodeProcesses: tree.length,
      };
    },
  };
}
