/** chart share (not built yet). */
import type { Command } from "commander";
import type { Registrar } from "../program.js";

export function registerShare(_program: Command, _reg: Registrar): void {}
