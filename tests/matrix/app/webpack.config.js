// A minimal React app's webpack config: JSX through Babel, an HTML page; nothing for planwire or for
// WebAssembly (no experiments, no asset rules).
import HtmlWebpackPlugin from 'html-webpack-plugin';
import { resolve } from 'node:path';

export default {
  mode: 'production',
  entry: './src/main.jsx',
  output: { path: resolve(import.meta.dirname, 'dist'), clean: true },
  resolve: { extensions: ['.js', '.jsx'] },
  module: {
    rules: [
      {
        test: /\.jsx?$/,
        exclude: /node_modules/,
        use: { loader: 'babel-loader', options: { presets: [['@babel/preset-react', { runtime: 'automatic' }]] } },
      },
    ],
  },
  plugins: [new HtmlWebpackPlugin({ template: './index.html' })],
};
