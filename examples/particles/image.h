/*
 * SPDX-License-Identifier: MIT
 *
 * image.h — the picture the particles renderer draws, shared with the
 * launcher (which checks the file).  Depends on nothing.
 */
#ifndef PARTICLES_IMAGE_H
#define PARTICLES_IMAGE_H

#define IMAGE_WIDTH 320
#define IMAGE_HEIGHT 240
#define IMAGE_HEADER "P6\n320 240\n255\n"
#define IMAGE_BACKGROUND_R 12
#define IMAGE_BACKGROUND_G 14
#define IMAGE_BACKGROUND_B 32

#endif /* PARTICLES_IMAGE_H */
