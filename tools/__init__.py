"""faultline's host tools, one module per concept; run from the repository
root as `python3 -m tools.<module> ...`.

    console    the console protocol: parser, verdicts, saved logs
    config     QemuConfig, the QEMU configuration of one boot
    loader     the loader boot path: Image header, boot stub
    qemu       QEMU's argv from a QemuConfig, the runner, its command line
    expect     console-expect cases (tests/expect/*.exp)
    bootchain  booting through U-Boot
    results    benchmark results: bench, extract, guard, same, plot
    compare    faultline against Linux
    a53check, imgcheck   checks of a built image
    lava/      LAVA jobs, logs and the farm;  anatomy/  instruction anatomy
"""
