/**
 * The seccomp filter of the Linux sandboxes, as a compiled classic BPF program (what bubblewrap's
 * `--seccomp FD` and `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)` take), built here without
 * libseccomp. It denies (EPERM) creating namespaces (`unshare`, `setns`, `clone` with any
 * CLONE_NEW* flag, hence no user namespace), mounting, tracing and reading other processes'
 * memory, kernel keyrings, BPF, perf events, userfaultfd, io_uring, module and kexec loading,
 * handle-based opens, swap, reboot, clock and syslog changes; `clone3` answers ENOSYS (its flags
 * sit in memory a filter cannot read; C libraries then fall back to `clone`). A syscall of
 * another ABI (i386 or x32 on x86_64) kills the process. Everything else is allowed.
 * @module
 */

/** Architectures with a syscall table here (`Deno.build.arch`). */
export type SeccompArch = "x86_64" | "aarch64";

const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/** Denied syscalls and their numbers per architecture (kernel uapi tables). */
const DENIED: Record<string, Partial<Record<SeccompArch, number>>> = {
  unshare: { x86_64: 272, aarch64: 97 },
  setns: { x86_64: 308, aarch64: 268 },
  mount: { x86_64: 165, aarch64: 40 },
  umount2: { x86_64: 166, aarch64: 39 },
  pivot_root: { x86_64: 155, aarch64: 41 },
  chroot: { x86_64: 161, aarch64: 51 },
  open_tree: { x86_64: 428, aarch64: 428 },
  move_mount: { x86_64: 429, aarch64: 429 },
  fsopen: { x86_64: 430, aarch64: 430 },
  fsconfig: { x86_64: 431, aarch64: 431 },
  fsmount: { x86_64: 432, aarch64: 432 },
  fspick: { x86_64: 433, aarch64: 433 },
  mount_setattr: { x86_64: 442, aarch64: 442 },
  ptrace: { x86_64: 101, aarch64: 117 },
  process_vm_readv: { x86_64: 310, aarch64: 270 },
  process_vm_writev: { x86_64: 311, aarch64: 271 },
  pidfd_getfd: { x86_64: 438, aarch64: 438 },
  process_madvise: { x86_64: 440, aarch64: 440 },
  keyctl: { x86_64: 250, aarch64: 219 },
  add_key: { x86_64: 248, aarch64: 217 },
  request_key: { x86_64: 249, aarch64: 218 },
  bpf: { x86_64: 321, aarch64: 280 },
  perf_event_open: { x86_64: 298, aarch64: 241 },
  userfaultfd: { x86_64: 323, aarch64: 282 },
  io_uring_setup: { x86_64: 425, aarch64: 425 },
  io_uring_enter: { x86_64: 426, aarch64: 426 },
  io_uring_register: { x86_64: 427, aarch64: 427 },
  kexec_load: { x86_64: 246, aarch64: 104 },
  kexec_file_load: { x86_64: 320, aarch64: 294 },
  init_module: { x86_64: 175, aarch64: 105 },
  finit_module: { x86_64: 313, aarch64: 273 },
  delete_module: { x86_64: 176, aarch64: 106 },
  open_by_handle_at: { x86_64: 304, aarch64: 265 },
  name_to_handle_at: { x86_64: 303, aarch64: 264 },
  swapon: { x86_64: 167, aarch64: 224 },
  swapoff: { x86_64: 168, aarch64: 225 },
  reboot: { x86_64: 169, aarch64: 142 },
  acct: { x86_64: 163, aarch64: 89 },
  quotactl: { x86_64: 179, aarch64: 60 },
  quotactl_fd: { x86_64: 443, aarch64: 443 },
  lookup_dcookie: { x86_64: 212, aarch64: 18 },
  syslog: { x86_64: 103, aarch64: 116 },
  settimeofday: { x86_64: 164, aarch64: 170 },
  clock_settime: { x86_64: 227, aarch64: 112 },
  clock_adjtime: { x86_64: 305, aarch64: 266 },
  adjtimex: { x86_64: 159, aarch64: 171 },
  vhangup: { x86_64: 153, aarch64: 58 },
  iopl: { x86_64: 172 },
  ioperm: { x86_64: 173 },
  uselib: { x86_64: 134 },
  _sysctl: { x86_64: 156 },
};

const CLONE: Record<SeccompArch, number> = { x86_64: 56, aarch64: 220 };
const CLONE3: Record<SeccompArch, number> = { x86_64: 435, aarch64: 435 };

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 |
  0x10000000 | 0x20000000 | 0x40000000;

/** Names of the syscalls the filter denies on `arch` (clone with namespace flags aside). */
export function deniedSyscalls(arch: SeccompArch): string[] {
  return Object.keys(DENIED).filter((name) => DENIED[name][arch] !== undefined);
}

// Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const X32_SYSCALL_BIT = 0x40000000;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/**
 * The filter for `arch` as bytes (8 per instruction, little-endian), or null for an architecture
 * without a table here.
 */
export function seccompFilter(arch: string = Deno.build.arch): Uint8Array | null {
  if (arch !== "x86_64" && arch !== "aarch64") return null;
  const numbers = Object.values(DENIED).map((n) => n[arch]).filter((n) => n !== undefined);
  // Layout: checks, then the shared returns at the end (jumps are forward only, 8-bit offsets).
  const body: (Insn | { jumpTo: "allow" | "eperm" | "enosys" | "clone"; nr: number })[] = [];
  const insn = (code: number, k: number, jt = 0, jf = 0): Insn => ({ code, jt, jf, k });
  body.push(insn(LD_W_ABS, 4)); // seccomp_data.arch
  body.push(insn(JEQ_K, AUDIT_ARCH[arch], 1, 0));
  body.push(insn(RET_K, RET_KILL_PROCESS));
  body.push(insn(LD_W_ABS, 0)); // seccomp_data.nr
  if (arch === "x86_64") body.push({ jumpTo: "eperm", nr: -X32_SYSCALL_BIT }); // x32 ABI
  for (const nr of numbers) body.push({ jumpTo: "eperm", nr: nr! });
  body.push({ jumpTo: "enosys", nr: CLONE3[arch] });
  body.push({ jumpTo: "clone", nr: CLONE[arch] });
  const tail: Insn[] = [
    insn(RET_K, RET_ALLOW), // allow
    insn(LD_W_ABS, 16), // clone: low 32 bits of args[0] (the flags)
    insn(JSET_K, CLONE_NAMESPACE_FLAGS, 1, 0),
    insn(RET_K, RET_ALLOW),
    insn(RET_K, RET_ERRNO | EPERM), // eperm
    insn(RET_K, RET_ERRNO | ENOSYS), // enosys
  ];
  const target = { allow: 0, clone: 1, eperm: 4, enosys: 5 };
  const program: Insn[] = body.map((item, index) => {
    if (!("jumpTo" in item)) return item;
    const distance = body.length - index - 1 + target[item.jumpTo];
    if (distance > 255) throw new RangeError(`seccomp filter jump too long: ${distance}`);
    return item.nr < 0 ? insn(JGE_K, -item.nr, distance, 0) : insn(JEQ_K, item.nr, distance, 0);
  });
  program.push(...tail);
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((p, i) => {
    view.setUint16(i * 8, p.code, true);
    view.setUint8(i * 8 + 2, p.jt);
    view.setUint8(i * 8 + 3, p.jf);
    view.setUint32(i * 8 + 4, p.k >>> 0, true);
  });
  return bytes;
}
