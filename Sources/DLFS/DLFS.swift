// The umbrella module: `import DLFS` gives a user the whole toolkit.
@_exported import DLFSCore
@_exported import DLFSNN
@_exported import DLFSData
@_exported import DLFSIO
@_exported import DLFSPlot
