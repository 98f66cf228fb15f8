// Counts runtime calls of a whole process: preload the library (LD_PRELOAD) and it prints the
// counts to stderr when the process exits. See scripts/check-calls.
#pragma once

/// How many calls of each kind the process made so far.
typedef struct {
    long mallocs;
    long frees;
} waku_call_counts;

/// The counts so far.
waku_call_counts waku_call_counts_now(void);
