// SPDX-License-Identifier: Apache-2.0
// apps/cli/main.cpp - PLACEHOLDER until the CLI lands.
int main() { return 0; }
