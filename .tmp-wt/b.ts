export const y: number = 7;
