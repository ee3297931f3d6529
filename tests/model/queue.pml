/*
 * SPDX-License-Identifier: MIT
 *
 * queue.pml — Promela model of the queue kind's protocol (runtime/src/queue.c),
 * checked exhaustively with spin by run_spin.sh (ctest: test_queue_model).
 *
 * Positions, slot words (seq: lap << 2 | PEND/FREE/PUB/TAKEN), mark words
 * (lap << 2 | INV/BASE), both counters and the journals' claim records are
 * modelled as in the C code; every shared-memory access is one atomic step
 * (spin explores sequential consistency: the C code gets that order from its
 * seq_cst operations and, for the two store->load handshakes, from its
 * asymmetric fences).  Elements are written and read in two halves, so a
 * torn copy shows.
 *
 * One process, the victim, may stop forever before any step that writes
 * shared memory (stopping before a read is the same as stopping after the
 * last write).  CRASH=1: it is killed; a recovery process then repairs what
 * its journal names, concurrently with the others, and the others' own slow
 * paths may repair it too (a holder with no live journal).  CRASH=0: it is
 * stopped (SIGSTOP) and stays alive, never repaired.  Patience (the bounded
 * wait before passing a stalled producer or abandoning a held slot) may run
 * out early at most BUDGET times, and always when no other process can move
 * (spin's timeout): that is "long enough for any running process".
 *
 * Checked, in every interleaving: no element copied while another party
 * copies the same slot; no torn element; no element delivered twice; every
 * consumer sees each producer's elements in order; every process that did
 * not stop finishes its operations (no deadlock; a livelock would exceed the
 * position bound); afterwards every successfully enqueued element has been
 * delivered or is still in the queue, except at most the one a killed
 * consumer held, and (unless a stopped process still holds a slot) the queue
 * takes CAP elements again and returns them in order.  BULK=1: producer 0
 * enqueues its elements as runs of two (a retracted element makes it give
 * up the rest of its run, unwritten).  Bulk dequeues are not modelled (they
 * claim a run of published positions with one CAS and release each like a
 * single dequeue).
 */
#ifndef CAP
#define CAP 2
#endif
#ifndef NP
#define NP 2
#endif
#ifndef NC
#define NC 2
#endif
#ifndef NOPS
#define NOPS 1
#endif
#ifndef BUDGET
#define BUDGET 2
#endif
#ifndef CRASH
#define CRASH 1
#endif
#ifndef BULK
#define BULK 0
#endif
#define NPROC (NP + NC)
#define NELEM (NP * NOPS)
#define MAXPOS 40
#define NOBODY 255
#define NOFIX 255

#define ST_PEND 0
#define ST_FREE 1
#define ST_PUB 2
#define ST_TAKEN 3
#define INV 1
#define BASE 2
#define OP_ENQ 1
#define OP_DEQ 2

#define LAP(p) ((p) / CAP)
#define V(p, st) (4 * LAP(p) + (st))
#define VLAP(v) ((v) / 4)
#define VST(v) ((v) % 4)
#define VPOS(v, i) (VLAP(v) * CAP + (i))

byte enq, deq;
byte seq[CAP], mark[CAP], elemA[CAP], elemB[CAP];
byte incopy[CAP];

/* ghosts */
byte victim = NOBODY;
bit halted;
bit rec_done;
byte budget = BUDGET;
byte ndone;
byte jop[NPROC + 2], ja[NPROC + 2], jb[NPROC + 2]; /* journal: op, first claimed position + 1, count */
byte copying[NPROC + 2];            /* slot + 1 while copying */
bit enq_ok[NELEM + 1];
bit delivered[NELEM + 1];
byte last[NC * NP];

/* The victim may stop forever before any step that writes shared memory
 * (stopping before a read is the same as stopping after the last write). */
#define H if :: (victim == me && !halted) -> halted = 1; \
                 if :: copying[me] != 0 -> incopy[copying[me] - 1]--; copying[me] = 0 :: else -> skip fi; \
                 goto end_halted \
             :: true -> skip fi

#define PATIENCE(c) if :: (c) -> changed = 1 :: (budget > 0) -> budget--; changed = 0 :: timeout -> changed = 0 fi

inline copy_in(i, e)
{
    atomic { H; assert(incopy[i] == 0); incopy[i]++; copying[me] = i + 1; elemA[i] = e }
    atomic { H; elemB[i] = e; incopy[i]--; copying[me] = 0 }
}

inline copy_out(i, a)
{
    atomic { H; assert(incopy[i] == 0); incopy[i]++; copying[me] = i + 1; a = elemA[i] }
    atomic { H; b = elemB[i]; incopy[i]--; copying[me] = 0 }
    assert(a == b && a != 0)
}

/* v (a local) reads PEND(y), or FREE(x) with x known to have no writer: move
 * the slot to the first position not yet claimed by the enqueue counter,
 * through PEND so that no normal claim can happen while we check enq. */
inline fix(i, v)
{
    do
    :: atomic { E = enq }
       if
       :: E <= VPOS(v, i) ->
          if
          :: VST(v) == ST_PEND -> atomic { H; if :: seq[i] == v -> seq[i] = V(VPOS(v, i), ST_FREE) :: else -> skip fi }
          :: else -> skip
          fi;
          break
       :: else ->
          np = 4 * ((E + CAP - 1 - i) / CAP) + ST_PEND;
          atomic { H; if :: seq[i] == v -> seq[i] = np; ok = 1 :: else -> ok = 0 fi }
          if
          :: ok -> v = np
          :: else -> break
          fi
       fi
    od;
    E = 0;
    np = 0
}

inline mark_merge(i, lp, f)
{
    atomic {
        H;
        if
        :: VLAP(mark[i]) > lp -> skip
        :: VLAP(mark[i]) == lp -> mark[i] = mark[i] | f
        :: else -> mark[i] = 4 * lp + f
        fi
    }
}

inline cas_deq(d, ok)
{
    atomic { H; if :: deq == d -> deq = d + 1; ok = 1 :: else -> ok = 0 fi }
}

/* A failed claim leaves nothing claimed: the record is cleared. */
inline unclaim(ok)
{
    if
    :: !ok -> atomic { H; ja[me] = 0 }
    :: else -> skip
    fi
}

/* Whether a live journal other than the caller's is busy with op on t
 * (in crash mode the victim's journal is dead). */
inline live_covers(op, t, c)
{
    atomic {
        c = 0;
        for (j : 0 .. NPROC) {
            if
            :: j != me && !(CRASH && halted && j == victim) && jop[j] == op && ja[j] != 0 && ja[j] <= t + 1 &&
               t + 1 < ja[j] + jb[j] -> c = 1
            :: else -> skip
            fi
        }
    }
}

/* The holder of slot i (state v) has no live journal: release its slot.
 * Used by recovery and by a producer about to abandon a held slot.  Sets rep
 * when it moved the slot. */
inline repair(i, v)
{
    rep = 0;
    t = VPOS(v, i);
    np = NOFIX;
    if
    :: VST(v) == ST_PEND -> np = v
    :: VST(v) == ST_FREE ->
       atomic { E = enq }
       live_covers(OP_ENQ, t, c);
       if
       :: t < E && !c -> np = V(t + CAP, ST_PEND)
       :: else -> skip
       fi
    :: VST(v) == ST_PUB ->
       atomic { D = deq }
       live_covers(OP_DEQ, t, c);
       if
       :: t < D && !c ->
          atomic { m = mark[i] }
          if
          :: VLAP(m) == VLAP(v) && (m & INV) ->
             live_covers(OP_ENQ, t, c);
             if
             :: !c -> np = V(t + CAP, ST_PEND)
             :: else -> skip
             fi
          :: else ->
             /* act as the dead consumer: take, then release */
             atomic { H; if :: seq[i] == v -> seq[i] = V(t, ST_TAKEN); ok = 1 :: else -> ok = 0 fi };
             if
             :: ok -> v = V(t, ST_TAKEN); np = V(t + CAP, ST_PEND)
             :: else -> skip
             fi
          fi
       :: else -> skip
       fi
    :: VST(v) == ST_TAKEN ->
       live_covers(OP_DEQ, t, c);
       if
       :: !c -> np = V(t + CAP, ST_PEND)
       :: else -> skip
       fi
    fi;
    if
    :: np == v -> rep = 1; fix(i, v)
    :: np != v && np != NOFIX ->
       atomic { H; if :: seq[i] == v -> seq[i] = np; ok = 1 :: else -> ok = 0 fi };
       if
       :: ok -> v = np; rep = 1; fix(i, v)
       :: else -> skip
       fi
    :: else -> skip
    fi;
    t = 0; c = 0; np = 0
}

/* One enqueue of want (1 or 2) elements e, e+1 as one run: res = how many
 * went in (0: full). */
inline do_enqueue(e, want, res)
{
    res = 0;
    nab = 0;
    do
    :: atomic { s = enq; i = s % CAP; v = 0; v2 = 0; m = 0; D = 0; changed = 0; ok = 0; fv = NOFIX }
       atomic { v = seq[i] }
       if
       :: v == V(s, ST_FREE) ->
          /* a run of up to `want` consecutive free positions */
          n = 1;
          if
          :: want > 1 -> atomic { v2 = seq[(s + 1) % CAP] };
             if :: v2 == V(s + 1, ST_FREE) -> n = 2 :: else -> skip fi
          :: else -> skip
          fi;
          atomic { H; ja[me] = s + 1; jb[me] = n }
          atomic { H; if :: enq == s -> enq = s + n; ok = 1 :: else -> ok = 0 fi }
          unclaim(ok);
          if
          :: ok ->
             ri = 0;
             do
             :: ri < n && res < ri ->
                /* an earlier one was retracted: give this one up unwritten */
                atomic { H; if :: seq[(s + ri) % CAP] == V(s + ri, ST_FREE) -> seq[(s + ri) % CAP] = V(s + ri + CAP, ST_PEND); ok = 1 :: else -> ok = 0 fi };
                assert(ok);
                fi2 = (s + ri) % CAP; fv = V(s + ri + CAP, ST_PEND);
                fix(fi2, fv);
                fv = NOFIX;
                ri++
             :: ri < n && res == ri ->
                i = (s + ri) % CAP;
                copy_in(i, e + ri);
                atomic { H; seq[i] = V(s + ri, ST_PUB) }
                atomic { m = mark[i] }
                if
                :: VLAP(m) == LAP(s + ri) && (m & INV) ->
                   /* invalidated: retract unless its consumer took it first */
                   atomic { H; if :: seq[i] == V(s + ri, ST_PUB) -> seq[i] = V(s + ri + CAP, ST_PEND); ok = 1 :: else -> ok = 0 fi };
                   if
                   :: ok -> fi2 = i; fv = V(s + ri + CAP, ST_PEND); fix(fi2, fv); fv = NOFIX
                   :: else -> res++
                   fi
                :: else -> res++
                fi;
                ri++
             :: ri == n -> break
             od;
             ri = 0; n = 0;
             if
             :: res > 0 -> break
             :: else -> skip
             fi
          :: else -> skip
          fi
       :: v >= V(s, ST_PUB) -> skip
       :: v < V(s, ST_FREE) && VST(v) == ST_PEND -> fv = v
       :: v < V(s, ST_FREE) && VST(v) != ST_PEND ->
          atomic { m = mark[i] }
          if
          :: VST(v) == ST_FREE && VLAP(v) > 0 && VLAP(m) == VLAP(v) - 1 && (m & BASE) -> fv = v
          :: else ->
             atomic { D = deq }
             if
             :: D + CAP <= s -> res = 0; break
             :: else ->
                if
                :: VLAP(m) == VLAP(v) && (m & (INV | BASE)) -> changed = 0
                :: else -> atomic { PATIENCE(seq[i] != v || enq != s) }
                fi;
                if
                :: !changed ->
                   /* before every abandonment: is the holder still alive? */
                   repair(i, v);
                   changed = rep;
                   rep = 0
                :: else -> skip
                fi;
                if
                :: !changed && nab >= CAP -> res = 0; break   /* a lap of held slots: full */
                :: !changed && nab < CAP ->
                   /* abandon position s */
                   atomic { H; ja[me] = s + 1; jb[me] = 1 }
                   atomic { H; if :: enq == s -> enq = s + 1; ok = 1 :: else -> ok = 0 fi }
                   unclaim(ok);
                   if
                   :: ok ->
                      nab++;
                      mark_merge(i, VLAP(v), BASE);
                      atomic { v2 = seq[i] }
                      if
                      :: VST(v2) == ST_PEND && VPOS(v2, i) <= s -> fv = v2
                      :: VST(v2) == ST_FREE && VLAP(v2) > VLAP(v) && VPOS(v2, i) <= s -> fv = v2
                      :: else -> skip
                      fi
                   :: else -> skip
                   fi
                :: else -> skip
                fi
             fi
          fi
       fi;
       if
       :: fv != NOFIX -> fix(i, fv)
       :: else -> skip
       fi;
       assert(enq <= MAXPOS)
    od
}

/* One dequeue: res = 1 with the element in a, 0 empty. */
inline do_dequeue(res, a)
{
    res = 0;
    do
    :: atomic { d = deq; i = d % CAP; v = 0; m = 0; changed = 0; ok = 0; fv = NOFIX }
       atomic { v = seq[i] }
       if
       :: v == V(d, ST_PUB) ->
          atomic { H; ja[me] = d + 1; jb[me] = 1 }
          cas_deq(d, ok);
          unclaim(ok);
          if
          :: ok ->
             copy_out(i, a);
             atomic { H; seq[i] = V(d + CAP, ST_FREE) }
             atomic { m = mark[i] }
             if
             :: VLAP(m) == LAP(d) && (m & BASE) -> fv = V(d + CAP, ST_FREE)
             :: else -> skip
             fi;
             res = 1
          :: else -> skip
          fi
       :: v > V(d, ST_PUB) ->
          if
          :: VLAP(v) > LAP(d) -> cas_deq(d, ok)
          :: else -> skip
          fi
       :: v < V(d, ST_PUB) ->
          atomic { E = enq }
          if
          :: E <= d -> res = 0; break
          :: else ->
             atomic { v = seq[i] }
             if
             :: v == V(d, ST_PUB) -> skip
             :: v != V(d, ST_PUB) && v != V(d, ST_FREE) -> cas_deq(d, ok)
             :: v == V(d, ST_FREE) ->
                atomic { m = mark[i] }
                if
                :: LAP(d) > 0 && VLAP(m) == LAP(d) - 1 && (m & BASE) -> cas_deq(d, ok)
                :: else ->
                   atomic { PATIENCE(seq[i] != v || deq != d) };
                   if
                   :: !changed ->
                      /* invalidate position d */
                      atomic { H; ja[me] = d + 1; jb[me] = 1 }
                      cas_deq(d, ok);
                      unclaim(ok);
                      if
                      :: ok ->
                         mark_merge(i, LAP(d), INV);
                         atomic { v = seq[i] }
                         if
                         :: v == V(d, ST_PUB) ->
                            atomic { H; if :: seq[i] == v -> seq[i] = V(d, ST_TAKEN); ok = 1 :: else -> ok = 0 fi }
                            if
                            :: ok ->
                               copy_out(i, a);
                               atomic { H; assert(seq[i] == V(d, ST_TAKEN)); seq[i] = V(d + CAP, ST_PEND) }
                               fv = V(d + CAP, ST_PEND);
                               res = 1
                            :: else -> skip
                            fi
                         :: else -> skip
                         fi
                      :: else -> skip
                      fi
                   :: else -> skip
                   fi
                fi
             fi
          fi
       fi;
       if
       :: fv != NOFIX -> fix(i, fv)
       :: else -> skip
       fi;
       if
       :: res -> break
       :: else -> skip
       fi;
       assert(deq <= MAXPOS)
    od
}

/* Enqueues its NOPS elements in order, one per call; with BULK, producer 0
 * enqueues the remaining ones as one run each call (a partial run leaves the
 * rest for the next call).  An element refused as full is skipped. */
proctype Producer(byte me)
{
    byte op, e, s, v, v2, i, m, D, E, np, t, j, fv, nab, n, ri, fi2, want, res;
    bit ok, changed, c, rep;
    do
    :: op < NOPS ->
       e = me * NOPS + op + 1;
       want = (BULK && me == 0 && NOPS - op >= 2 -> 2 : 1);
       atomic { H; jop[me] = OP_ENQ }
       do_enqueue(e, want, res);
       nab = 0;
       atomic {
           H;
           for (j : 0 .. res) {
               if :: j < res -> enq_ok[e + j] = 1 :: else -> skip fi
           }
           j = 0;
           jop[me] = 0;
           op = op + (res > 0 -> res : 1);
           want = 0; res = 0
       }
    :: else -> break
    od;
    ndone++;
    goto fin;
end_halted:
    false;
fin:
    skip
}

proctype Consumer(byte me)
{
    byte op, d, v, i, m, E, np, a, b, p, k, fv;
    bit ok, changed, res;
    do
    :: op < NOPS ->
       atomic { H; jop[me] = OP_DEQ }
       do_dequeue(res, a);
       atomic {
           H;
           if
           :: res ->
              assert(a >= 1 && a <= NELEM && !delivered[a]);
              delivered[a] = 1;
              p = (a - 1) / NOPS;
              k = (a - 1) % NOPS + 1;
              assert(k > last[(me - NP) * NP + p]);
              last[(me - NP) * NP + p] = k
           :: else -> skip
           fi;
           jop[me] = 0;
           op++;
           a = 0; b = 0; p = 0; k = 0
       }
    :: else -> break
    od;
    ndone++;
    goto fin;
end_halted:
    false;
fin:
    skip
}

/* What shmgen_segment_recover does for the dead victim: for the position its
 * journal names, release a slot it holds, or finish its abandonment. */
proctype Recovery(byte me)
{
    byte t, i, v, m, E, D, np, j;
    bit ok, c, rep;
    (halted || ndone == NPROC);
    if
    :: halted && CRASH && ja[victim] != 0 && jop[victim] != 0 ->
       i = (ja[victim] - 1) % CAP;
       atomic { v = seq[i] }
       repair(i, v)
    :: else -> skip
    fi;
    rec_done = 1;
    goto fin;
end_halted:
    false;
fin:
    skip
}

init
{
    byte me = NPROC;
    byte s, v, v2, i, m, D, E, np, d, a, b, k, j, lost, t, fv, phase, nab, n, ri, fi2, res;
    bit ok, changed, c, rep;
    atomic {
        for (j : 0 .. CAP - 1) { seq[j] = V(j, ST_FREE) }
#ifdef VICTIM
        victim = VICTIM;
#else
        if
        :: victim = NOBODY
        :: victim = 0
        :: victim = NP
        fi;
#endif
        for (j : 0 .. NP - 1) { run Producer(j) }
        for (j : 0 .. NC - 1) { run Consumer(NP + j) }
        run Recovery(NPROC + 1)
    }
    (ndone + halted == NPROC && rec_done);
    budget = 0;
    /* phase 0: drain; 1: count losses; 2: fill CAP + 1; 3: take CAP back, then one more */
    k = 0;
    do
    :: phase == 0 || phase == 3 ->
       res = 0;
       do_dequeue(res, a);
       if
       :: phase == 0 && res -> assert(a >= 1 && a <= NELEM && !delivered[a]); delivered[a] = 1
       :: phase == 0 && !res -> phase = 1
       :: phase == 3 && k < CAP -> assert(res && a == 50 + k); k++
       :: phase == 3 && k == CAP -> assert(!res); break
       fi
    :: phase == 1 ->
       lost = 0;
       for (j : 1 .. NELEM) {
           if :: enq_ok[j] && !delivered[j] -> lost++ :: else -> skip fi
       }
       assert(lost == 0 || (lost == 1 && halted && victim >= NP));
       if
       :: halted && !CRASH -> break   /* a stalled process keeps its slot */
       :: else -> phase = 2; k = 0
       fi
    :: phase == 2 ->
       res = 0;
       do_enqueue(50 + k, 1, res);
       if
       :: k < CAP -> assert(res); k++
       :: k == CAP -> assert(!res); phase = 3; k = 0
       fi
    od;
    goto fin;
end_halted:
    false;
fin:
    skip
}
