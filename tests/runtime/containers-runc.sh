#!/bin/bash
# The allow cases of containers.sh on plain runc, so that parma-runc and
# runc are held to the same checks (parma-only checks skip).
PARMA_RUNTIME=/usr/sbin/runc exec "$(dirname "$0")/containers.sh" "$@"
