/*
 * Included first in every kernel C file (-include, see the Makefile): the
 * kernel is one statically linked position-independent executable, so no
 * symbol can come from elsewhere. Hidden visibility lets the compiler reach
 * every global and function PC-relatively (ADRP/ADD, BL) instead of through
 * the GOT: fewer loads on the fault path and fewer boot relocations.
 */
#ifndef __ASSEMBLY__
#pragma GCC visibility push(hidden)
#endif
