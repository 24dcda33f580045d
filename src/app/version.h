/*
 * version.h - the version of ombud and of its HTTP API.
 */
#ifndef OMB_VERSION_H
#define OMB_VERSION_H

#define OMB_VERSION     "0.1.0"
#define OMB_API_VERSION "v1"

#endif
